#!/usr/bin/env bash
# `make up`: Redis, the API (gunicorn) and the built frontend on loopback, serving the model
# published in $TUNEDIN_ARTIFACTS. Prints the URLs; Ctrl-C (or SIGTERM) stops everything it
# started and exits 0; a process that dies on its own stops the rest and exits 1.
# The ports are checked first: a port already in use (another `make up`, say) is refused with
# the env var that moves it — TUNEDIN_PORT (API, 8000), TUNEDIN_UP_WEB_PORT (frontend, 5173),
# TUNEDIN_UP_REDIS_PORT (Redis, 6379). A Redis already answering on its port is used as it is
# (and left running). Logs go to .cache/up/ and Redis's data to .cache/redis/
# (TUNEDIN_UP_STATE_DIR moves both from .cache).
# The keys live in .cache/keys/ (TUNEDIN_UP_KEYS_DIR; scripts/local-keys.sh makes them on the
# first run): the API reads api-keys.json, the frontend's proxy sends frontend.key, admin.key is
# yours, and pseudonym.key is TUNEDIN_PSEUDONYM_KEY (unless set), the same as `make pipeline`'s.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTIFACTS="${TUNEDIN_ARTIFACTS:-$PWD/artifacts}"
REDIS_PORT="${TUNEDIN_UP_REDIS_PORT:-6379}"
API_PORT="${TUNEDIN_PORT:-8000}"
WEB_PORT="${TUNEDIN_UP_WEB_PORT:-5173}"
KEYS="${TUNEDIN_UP_KEYS_DIR:-$PWD/.cache/keys}"
STATE="${TUNEDIN_UP_STATE_DIR:-$PWD/.cache}"
LOGS="$STATE/up"

die() { echo "make up: $*" >&2; exit 1; }

port_free() {  # port_free PORT: nothing listens on 127.0.0.1:PORT (nor on every address)
  python3 - "$1" <<'PY'
import socket, sys
with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}
refuse_busy() {  # refuse_busy PORT WHAT KNOB
  die "port $1 ($2) is already in use, by another \`make up\` or another program: stop it, or choose another port with $3=<port>"
}
redis_ping() { python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$REDIS_PORT),1); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(16).startswith(b'+PONG') else 1)"; }

# Before anything starts or any log is opened: a busy port would have the readiness checks
# below reach whatever holds it.
port_free "$API_PORT" || refuse_busy "$API_PORT" "the API" TUNEDIN_PORT
port_free "$WEB_PORT" || refuse_busy "$WEB_PORT" "the frontend" TUNEDIN_UP_WEB_PORT
reuse_redis=false
if redis_ping 2>/dev/null; then reuse_redis=true
elif ! port_free "$REDIS_PORT"; then refuse_busy "$REDIS_PORT" "Redis, but no Redis answers there" TUNEDIN_UP_REDIS_PORT
fi

[ -s "$ARTIFACTS/CURRENT" ] || die "no published model in $ARTIFACTS: run \`make pipeline\` first"
[ -x .venv/bin/gunicorn ] || die ".venv has no gunicorn: run \`make setup\` first"
[ -f apps/frontend/dist/index.html ] || die "the frontend is not built: run \`make frontend-build\` first"
TUNEDIN_UP_KEYS_DIR="$KEYS" bash scripts/local-keys.sh
mkdir -p "$LOGS"

pids=()
names=()
workers=()  # the API's gunicorn workers at start: a crashed master leaves them running
stop_all() {
  trap '' INT TERM  # a second Ctrl-C (or make's SIGTERM after it) must not cut the shutdown short
  trap - EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "stopping ${names[*]}"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [ ${#workers[@]} -gt 0 ]; then kill "${workers[@]}" 2>/dev/null || true; fi
}
stopped() { echo ""; stop_all; echo "TunedIn stopped."; exit 0; }
trap stop_all EXIT
trap stopped INT TERM

started() {  # started NAME: record the last background process as NAME's
  pids+=($!)
  names+=("$1")
}

wait_for() {  # wait_for WHAT SECONDS PID COMMAND...
  local what=$1 seconds=$2 pid=$3
  shift 3
  for _ in $(seq $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || die "$what exited; its log: $LOGS/$what.log"
    sleep 0.2
  done
  die "$what did not come up in $seconds s; its log: $LOGS/$what.log"
}

# ---- Redis
if $reuse_redis; then
  echo "Redis: using the server already on 127.0.0.1:$REDIS_PORT"
else
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
      echo "installing Debian's redis-server"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
    else
      die "redis-server is missing: sudo apt-get install -y redis-server (or start a Redis on port $REDIS_PORT)"
    fi
  fi
  mkdir -p "$STATE/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --save 60 1 \
    --appendonly no >"$LOGS/redis.log" 2>&1 &
  started redis
  wait_for redis 10 "${pids[-1]}" redis_ping
  echo "Redis: started on 127.0.0.1:$REDIS_PORT (pid ${pids[-1]}, data in ${STATE#"$PWD"/}/redis)"
fi

# ---- API (its key file is the one the frontend's key is listed in). Its public prefix is /api,
# where the frontend proxies it, so /api/docs on the frontend loads its schema and assets there;
# the API answers without the prefix too (http://127.0.0.1:$API_PORT/docs).
TUNEDIN_ARTIFACTS="$ARTIFACTS" TUNEDIN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  TUNEDIN_ROOT_PATH="${TUNEDIN_ROOT_PATH:-/api}" TUNEDIN_HOST=127.0.0.1 TUNEDIN_PORT="$API_PORT" TUNEDIN_LOG_FORMAT="${TUNEDIN_LOG_FORMAT:-json}" \
  TUNEDIN_API_KEYS_FILE="$KEYS/api-keys.json" TUNEDIN_UP_KEYS_DIR="$KEYS" \
  bash scripts/local-keys.sh exec \
  .venv/bin/gunicorn -c apps/api/tunedin_api/gunicorn_conf.py 'tunedin_api.main:create_app()' \
  >"$LOGS/api.log" 2>&1 &
started api
api_ready() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$API_PORT/readyz', timeout=1)"; }
wait_for api 90 "${pids[-1]}" api_ready
read -ra workers < "/proc/${pids[-1]}/task/${pids[-1]}/children" || true  # no newline at its end
echo "API: started on 127.0.0.1:$API_PORT (pid ${pids[-1]}), serving model $(cat "$ARTIFACTS/CURRENT")"

# ---- frontend: the static build, /api proxied to the API with the frontend's key (as the
# frontend image's nginx does in a cluster)
(cd apps/frontend && TUNEDIN_API_URL="http://127.0.0.1:$API_PORT" TUNEDIN_API_KEY="$(cat "$KEYS/frontend.key")" \
  exec ./node_modules/.bin/vite preview \
  --host 127.0.0.1 --port "$WEB_PORT" --strictPort --bypass-lock) >"$LOGS/frontend.log" 2>&1 &
started frontend
web_ready() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$WEB_PORT/', timeout=1)"; }
wait_for frontend 30 "${pids[-1]}" web_ready

admin_key="${KEYS#"$PWD"/}/admin.key"
cat <<EOT

TunedIn is up (logs in ${LOGS#"$PWD"/}/):
  frontend      http://127.0.0.1:$WEB_PORT/
  API           http://127.0.0.1:$API_PORT/v1/model   (through the frontend, which adds its key: http://127.0.0.1:$WEB_PORT/api/v1/model)
  API docs      http://127.0.0.1:$API_PORT/docs   (through the frontend: http://127.0.0.1:$WEB_PORT/api/docs)
  metrics       http://127.0.0.1:$API_PORT/metrics
  API keys      $admin_key (scope admin, yours), ${KEYS#"$PWD"/}/frontend.key (the frontend's); more: .venv/bin/python -m tunedin_api.keys --help
  try           curl -H "Authorization: Bearer \$(cat $admin_key)" 'http://127.0.0.1:$API_PORT/v1/users/2/recommendations?k=10'
Ctrl-C stops everything started here.
EOT

# Until Ctrl-C/SIGTERM (the trap above exits 0) or until one of them dies on its own: that is a
# crash, so the rest is stopped and the exit status says so.
status=0
wait -n -p exited "${pids[@]}" || status=$?
for i in "${!pids[@]}"; do
  if [ "${pids[$i]}" = "${exited:-}" ]; then crashed=${names[$i]}; fi
done
echo "make up: ${crashed:-a process} exited unexpectedly (status $status); its log: $LOGS/${crashed:-*}.log" >&2
exit 1
