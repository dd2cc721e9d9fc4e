#!/usr/bin/env bash
# Debian packages of the local cluster: the container runtime, etcd, CNI plugins, iptables.
# Bookworm's packages are installed with apt-get; containerd 1.7 and etcd 3.5 come from trixie
# through a private apt setup (the system's sources are read, never changed) and are unpacked
# into $PKG_ROOT. Both need only libc6 >= 2.34; bookworm has 2.36.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"

missing=()
for p in "${BOOKWORM_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

stamp="$PKG_ROOT/.unpacked-$(IFS=-; echo "${TRIXIE_PACKAGES[*]}")"
[[ -f "$stamp" ]] && { echo "trixie packages: cached in $PKG_ROOT"; exit 0; }

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ -n "$mirror" ]] || mirror=$(awk '$1 == "deb" && /debian/ {print $2; exit}' /etc/apt/sources.list)
apt_dir="$CLUSTER_CACHE/apt-trixie"
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,deb} "$PKG_ROOT"
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" \
  > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
apt-get "${apt_opts[@]}" update -qq
(cd "$apt_dir/deb" && apt-get "${apt_opts[@]}" download "${TRIXIE_PACKAGES[@]}")
for deb in "$apt_dir"/deb/*.deb; do
  echo "unpacking $(basename "$deb")"
  dpkg-deb -x "$deb" "$PKG_ROOT"
done
"$PKG_ROOT/usr/bin/containerd" --version
"$PKG_ROOT/usr/bin/etcd" --version | head -1
touch "$stamp"
