#!/usr/bin/env bash
# `make up`: Redis, the API (gunicorn) and the built frontend on loopback, serving the model
# published in $TUNEDIN_ARTIFACTS. Prints the URLs; Ctrl-C stops everything it started.
# A Redis already answering on the port is used as it is (and left running).
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
LOGS="$PWD/.cache/up"
mkdir -p "$LOGS"

die() { echo "make up: $*" >&2; exit 1; }

[ -s "$ARTIFACTS/CURRENT" ] || die "no published model in $ARTIFACTS: run \`make pipeline\` first"
[ -x .venv/bin/gunicorn ] || die ".venv has no gunicorn: run \`make setup\` first"
[ -f apps/frontend/dist/index.html ] || die "the frontend is not built: run \`make frontend-build\` first"
TUNEDIN_UP_KEYS_DIR="$KEYS" bash scripts/local-keys.sh

pids=()
cleanup() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo ""
    echo "stopping: ${pids[*]}"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

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
redis_ping() { python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$REDIS_PORT),1); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(16).startswith(b'+PONG') else 1)"; }
if redis_ping 2>/dev/null; then
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
  mkdir -p .cache/redis
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$PWD/.cache/redis" --save 60 1 \
    --appendonly no >"$LOGS/redis.log" 2>&1 &
  pids+=($!)
  wait_for redis 10 "${pids[-1]}" redis_ping
  echo "Redis: started on 127.0.0.1:$REDIS_PORT (pid ${pids[-1]}, data in .cache/redis)"
fi

# ---- API (its key file is the one the frontend's key is listed in)
TUNEDIN_ARTIFACTS="$ARTIFACTS" TUNEDIN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  TUNEDIN_HOST=127.0.0.1 TUNEDIN_PORT="$API_PORT" TUNEDIN_LOG_FORMAT="${TUNEDIN_LOG_FORMAT:-json}" \
  TUNEDIN_API_KEYS_FILE="$KEYS/api-keys.json" TUNEDIN_UP_KEYS_DIR="$KEYS" \
  bash scripts/local-keys.sh exec \
  .venv/bin/gunicorn -c apps/api/tunedin_api/gunicorn_conf.py 'tunedin_api.main:create_app()' \
  >"$LOGS/api.log" 2>&1 &
pids+=($!)
api_ready() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$API_PORT/readyz', timeout=1)"; }
wait_for api 90 "${pids[-1]}" api_ready
echo "API: started on 127.0.0.1:$API_PORT (pid ${pids[-1]}), serving model $(cat "$ARTIFACTS/CURRENT")"

# ---- frontend: the static build, /api proxied to the API with the frontend's key (as the
# frontend image's nginx does in a cluster)
(cd apps/frontend && TUNEDIN_API_URL="http://127.0.0.1:$API_PORT" TUNEDIN_API_KEY="$(cat "$KEYS/frontend.key")" \
  exec ./node_modules/.bin/vite preview \
  --host 127.0.0.1 --port "$WEB_PORT" --strictPort --bypass-lock) >"$LOGS/frontend.log" 2>&1 &
pids+=($!)
web_ready() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$WEB_PORT/', timeout=1)"; }
wait_for frontend 30 "${pids[-1]}" web_ready

admin_key="${KEYS#"$PWD"/}/admin.key"
cat <<EOF

TunedIn is up (logs in .cache/up/):
  frontend      http://127.0.0.1:$WEB_PORT/
  API           http://127.0.0.1:$API_PORT/v1/model   (through the frontend, which adds its key: http://127.0.0.1:$WEB_PORT/api/v1/model)
  API docs      http://127.0.0.1:$API_PORT/docs
  metrics       http://127.0.0.1:$API_PORT/metrics
  API keys      $admin_key (scope admin, yours), ${KEYS#"$PWD"/}/frontend.key (the frontend's); more: .venv/bin/python -m tunedin_api.keys --help
  try           curl -H "Authorization: Bearer \$(cat $admin_key)" 'http://127.0.0.1:$API_PORT/v1/users/2/recommendations?k=10'
Ctrl-C stops everything started here.
EOF

# Stop everything as soon as any of it exits (or on Ctrl-C).
wait -n "${pids[@]}" || true
echo "a process exited; see .cache/up/*.log"
