#!/usr/bin/env bash
# Debian packages the frontend's end-to-end tests need, installed when missing:
# chromium (driven by npm playwright-core; `npx playwright install` downloads a browser and
# cannot work offline) and redis-server (the real Redis the API runs against in the suite).
# Runs as root (CI, containers) or through sudo; otherwise prints the command to run.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)

if [ ${#need[@]} -eq 0 ]; then
  echo "browser test packages: all present (chromium, redis-server)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "missing Debian packages: ${need[*]} — install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
