#!/usr/bin/env bash
# The secrets of `make up`, `make demo`, `make api` and `make pipeline` on this machine: outside
# git in .cache/keys/ (TUNEDIN_UP_KEYS_DIR; the folder 0700, every file 0600), made on first use
# and reused after; never a fixed default.
#   pseudonym.key   TUNEDIN_PSEUDONYM_KEY: the API and the batch pipeline need the same one
#                   (feedback log, erasure ledger); random, 48 characters
#   api-keys.json   the API's key file, TUNEDIN_API_KEYS_FILE (python -m tunedin_api.keys)
#   admin.key       a key with scope admin, for you:
#                   curl -H "Authorization: Bearer $(cat .cache/keys/admin.key)" ...
#   frontend.key    the key the frontend's /api proxy sends (TUNEDIN_API_KEY of vite preview)
# A key file the command line changed is kept; a key it revoked (or a key file without it) gets
# a successor.
#
#   scripts/local-keys.sh            make whatever is missing
#   scripts/local-keys.sh exec CMD…  the same, then run CMD with TUNEDIN_PSEUDONYM_KEY and
#                                    TUNEDIN_API_KEYS_FILE: yours from the environment, else these
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${TUNEDIN_UP_KEYS_DIR:-$root/.cache/keys}"
python="$root/.venv/bin/python"
frontend_scopes="recommendations:read,feedback:write,history:read,users:delete"
umask 077

die() { echo "local-keys: $*" >&2; exit 1; }
[ -x "$python" ] || die "$python is missing: run \`make setup\` first"
mkdir -p "$dir"
chmod 0700 "$dir"

if [ ! -s "$dir/pseudonym.key" ]; then
  "$python" -c 'import secrets; print(secrets.token_urlsafe(36))' >"$dir/pseudonym.key.new"
  mv "$dir/pseudonym.key.new" "$dir/pseudonym.key"
  echo "local-keys: made $dir/pseudonym.key" >&2
fi

active() {  # active KEYFILE: 0 when the key in KEYFILE is listed, not revoked, in api-keys.json;
            # 3 when it is not (or there is no key file yet); else the key file is broken (said why)
  [ -e "$dir/api-keys.json" ] || return 3
  "$python" - "$dir/api-keys.json" "$1" <<'PY'
import sys
from pathlib import Path

from tunedin_api.keys.keyfile import KeyFileError, matches, parse_key, read_key_file

try:
    listed = read_key_file(Path(sys.argv[1]))
except KeyFileError as exc:
    sys.exit(f"local-keys: {exc}")
held = Path(sys.argv[2])
key = held.read_text(encoding="utf-8").strip() if held.is_file() else ""
parsed = parse_key(key)
entry = listed.find(parsed[0]) if parsed else None
sys.exit(0 if entry is not None and entry.active and matches(entry, key) else 3)
PY
}

for pair in "admin:admin" "frontend:$frontend_scopes"; do
  name=${pair%%:*}
  scopes=${pair#*:}
  status=0
  active "$dir/$name.key" || status=$?
  [ "$status" -eq 0 ] && continue
  [ "$status" -eq 3 ] || exit 1
  if ! error=$("$python" -m tunedin_api.keys add --scopes "$scopes" --name "$name (make up)" \
      --file "$dir/api-keys.json" 2>&1 >"$dir/$name.key.new"); then
    rm -f "$dir/$name.key.new"
    die "could not add the $name key to $dir/api-keys.json: $error"
  fi
  mv "$dir/$name.key.new" "$dir/$name.key"
  echo "local-keys: made $dir/$name.key ($scopes), listed in $dir/api-keys.json" >&2
done

if [ "${1:-}" = exec ]; then
  shift
  [ $# -gt 0 ] || die "exec needs a command"
  export TUNEDIN_PSEUDONYM_KEY="${TUNEDIN_PSEUDONYM_KEY:-$(cat "$dir/pseudonym.key")}"
  export TUNEDIN_API_KEYS_FILE="${TUNEDIN_API_KEYS_FILE:-$dir/api-keys.json}"
  exec "$@"
elif [ $# -gt 0 ]; then
  die "unknown arguments: $* (no arguments, or exec CMD...)"
fi
