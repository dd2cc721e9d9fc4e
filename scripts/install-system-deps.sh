#!/usr/bin/env bash
# Install the Debian packages the build and the tests need, when they are missing.
# Runs as root (CI, containers) or through sudo; prints what it would need otherwise.
# --browser also installs Debian's chromium, which the frontend's end-to-end tests drive
# (playwright-core; `npx playwright install` would download a browser and cannot work offline).
set -euo pipefail

need=()
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v make >/dev/null || need+=(make)
command -v unzip >/dev/null || need+=(unzip)
command -v redis-server >/dev/null || need+=(redis-server)  # API tests and make api
command -v wrk >/dev/null || need+=(wrk)  # make bench-api
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
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
