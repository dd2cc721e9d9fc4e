#!/usr/bin/env bash
# A mirror of the Last.fm zip for the cluster's trainer pods, which cannot download the official
# archive here: an HTTP server on the node's bridge address serving the folder of ZIP.
#   data-mirror.sh start ZIP   prints the URL to give TUNEDIN_DATA_SOURCE
#   data-mirror.sh stop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
pidfile="$RUN_DIR/pids/data-mirror.pid"
port=18090
case "${1:-}" in
  start)
    zip=$(realpath "$2")
    if ! { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
      mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs"
      setsid python3 -m http.server --bind "$NODE_IP" --directory "$(dirname "$zip")" "$port" \
        >>"$RUN_DIR/logs/data-mirror.log" 2>&1 < /dev/null &
      echo $! > "$pidfile"
      for _ in $(seq 1 50); do curl -fs -o /dev/null "http://$NODE_IP:$port/" && break; sleep 0.1; done
    fi
    echo "http://$NODE_IP:$port/$(basename "$zip")"
    ;;
  stop)
    if [[ -f "$pidfile" ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    ;;
  *) echo "usage: data-mirror.sh start ZIP | stop" >&2; exit 2 ;;
esac
