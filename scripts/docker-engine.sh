#!/usr/bin/env bash
# A Docker engine for building and testing the images (make images, make test-images).
#
#   scripts/docker-engine.sh start   print the DOCKER_HOST to use; starts a private dockerd
#                                    (data-root, socket, pidfile and log under .cache/docker)
#                                    only when no engine answers at $DOCKER_HOST or the default
#                                    socket; installs docker.io, debootstrap and docker-compose
#                                    from Debian when they are missing (as root or via sudo)
#   scripts/docker-engine.sh stop    stop the private dockerd this script started (by its PID)
#   scripts/docker-engine.sh status  say which engine answers
#
# Every message goes to stderr; stdout carries only the DOCKER_HOST, so
# `export DOCKER_HOST=$(scripts/docker-engine.sh start)` works.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${TUNEDIN_DOCKER_STATE:-$ROOT/.cache/docker}
SOCK=$STATE/docker.sock
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
# Debian's client (20.10, with BuildKit); another `docker` may come earlier on PATH.
DOCKER=${DOCKER:-/usr/bin/docker}

say() { echo "docker-engine: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else say "needs root for: $*"; exit 1
  fi
}

install_packages() {
  local need=()
  [ -x /usr/bin/docker ] && command -v dockerd >/dev/null || need+=(docker.io)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v docker-compose >/dev/null || need+=(docker-compose)
  [ ${#need[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

answers() { DOCKER_HOST=$1 "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ours_running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  install_packages
  local candidates=()
  [ -n "${DOCKER_HOST:-}" ] && candidates+=("$DOCKER_HOST")
  candidates+=("unix://$SOCK" "unix:///var/run/docker.sock")
  for host in "${candidates[@]}"; do
    if answers "$host"; then echo "$host"; return 0; fi
  done
  mkdir -p "$STATE"
  if ours_running; then
    say "dockerd (pid $(cat "$PIDFILE")) runs but does not answer; see $LOG"; exit 1
  fi
  rm -f "$PIDFILE" "$SOCK"
  say "starting dockerd (data-root $STATE/data, log $LOG)"
  as_root true
  # setsid: the daemon outlives this shell and make's job control; stop it with `stop`.
  as_root setsid dockerd --data-root "$STATE/data" --exec-root "$STATE/exec" \
    --host "unix://$SOCK" --pidfile "$PIDFILE" >"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if answers "unix://$SOCK"; then
      say "dockerd ready (pid $(cat "$PIDFILE"))"
      echo "unix://$SOCK"
      return 0
    fi
    sleep 0.5
  done
  say "dockerd did not answer within 30 s; last lines of $LOG:"
  tail -n 20 "$LOG" >&2 || true
  exit 1
}

stop() {
  if ! ours_running; then say "no dockerd of ours is running"; return 0; fi
  local pid
  pid=$(cat "$PIDFILE")
  say "stopping dockerd (pid $pid)"
  as_root kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { say "stopped"; return 0; }
    sleep 0.5
  done
  say "dockerd (pid $pid) still running after 30 s"; exit 1
}

status() {
  for host in ${DOCKER_HOST:+"$DOCKER_HOST"} "unix://$SOCK" "unix:///var/run/docker.sock"; do
    if answers "$host"; then say "engine answers at $host"; echo "$host"; return 0; fi
  done
  say "no engine answers"; return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
