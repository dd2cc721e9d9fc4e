#!/usr/bin/env bash
# Build the local stand-in for python:3.11-slim-bookworm where no container registry can be
# reached (CI here): debootstrap a minimal Debian bookworm with python3 (3.11), venv, pip and
# ca-certificates, give it the host's apt sources and extra CA certificates (so apt-get and
# pip inside image builds behave exactly as on the host), slim it and `docker import` it.
#
#   scripts/build-base-image.sh [IMAGE]    default localbase/python:3.11-slim-bookworm
#
# Idempotent: does nothing when IMAGE exists (FORCE=1 rebuilds). Needs root (debootstrap) and
# an engine at DOCKER_HOST (scripts/docker-engine.sh start). The Debian mirror is read from
# the host's apt sources at run time.
set -euo pipefail

IMAGE=${1:-localbase/python:3.11-slim-bookworm}
DOCKER=${DOCKER:-/usr/bin/docker}
SUITE=bookworm
say() { echo "build-base-image: $*" >&2; }

if [ -z "${FORCE:-}" ] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE exists (FORCE=1 rebuilds)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { say "debootstrap needs root"; exit 1; }
command -v debootstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
}

# The first Debian (not -security) URI of the host's apt sources: deb822 files or one-line lists.
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }'
)
if [ -z "$mirror" ]; then
  mirror=$(
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
      awk '$1 == "deb" && $0 ~ /debian/ && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }'
  )
fi
[ -n "$mirror" ] || { say "no Debian mirror in the host's apt sources"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
say "debootstrap $SUITE from $mirror"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

# The host's Debian sources (only those whose keyrings exist in the image: no third-party
# repositories), its pip configuration and its extra CA certificates.
rm -f "$root/etc/apt/sources.list"
mkdir -p "$root/etc/apt/sources.list.d"
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
  [ -f "$f" ] || continue
  keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$f")
  [ -z "$keyring" ] || [ -f "$root$keyring" ] || continue
  case $f in
    *.sources) cp "$f" "$root/etc/apt/sources.list.d/" ;;
    *) cp "$f" "$root/etc/apt/sources.list" ;;
  esac
done
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
# pip inside builds: the CA bundle and timeout of the host, not its local wheel folders.
mkdir -p "$root/etc"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\ndefault-timeout = 180\ndisable-pip-version-check = true\n' \
  >"$root/etc/pip.conf"

# Slim: apt lists and caches, docs, man pages, locales, logs.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/usr/share/lintian "$root"/var/log/*.log \
  "$root"/var/log/apt/* "$root"/tmp/* "$root"/root/.cache
find "$root/usr/lib/python3" "$root/usr/lib/python3.11" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true
# Keep docs out of later apt-get installs too.
cat >"$root/etc/dpkg/dpkg.cfg.d/01-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF

say "importing $IMAGE"
previous=$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$root" -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  - "$IMAGE" >/dev/null
# A rebuild (FORCE=1) leaves the old image untagged: remove it unless a container uses it.
current=$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then "$DOCKER" image rm "$previous" >/dev/null 2>&1 || true; fi
say "$IMAGE: $("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
