#!/usr/bin/env bash
# Images of the local cluster. containerd cannot see Docker's images, and nothing can be pulled
# here, so every image a pod runs is built with Docker and imported into containerd's k8s.io
# namespace.
#   images.sh addons        build pause, CoreDNS and Traefik images (FROM scratch + the static
#                           binaries of build-addons.sh) → $CLUSTER_CACHE/images/*.tar (cached)
#   images.sh load-addons   import those tarballs into the running containerd
#   images.sh import REF…   docker save REF… | ctr import (the TunedIn images, after make images)
# DOCKER_HOST must name the engine (scripts/docker-engine.sh start).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
DOCKER="${DOCKER:-/usr/bin/docker}"
out="$CLUSTER_CACHE/images"
ctr=("$PKG_ROOT/usr/bin/ctr" --address "$RUN_DIR/containerd/containerd.sock" --namespace k8s.io)
mkdir -p "$out"

# scratch_image REF BINARY ENTRYPOINT_JSON: a one-binary image, saved to $out
scratch_image() {
  local ref=$1 binary=$2 entrypoint=$3 tar="$out/$(echo "$1" | tr '/:' '__').tar"
  [[ -f "$tar" ]] && return 0
  local ctx; ctx=$(mktemp -d)
  cp "$BIN_DIR/$binary" "$ctx/$binary"
  printf 'FROM scratch\nCOPY %s /%s\nUSER 65532:65532\nENTRYPOINT %s\n' "$binary" "$binary" "$entrypoint" > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$ref" "$ctx" >/dev/null
  "$DOCKER" save "$ref" -o "$tar"
  rm -rf "$ctx"
  echo "built $ref"
}

case "${1:-}" in
  addons)
    scratch_image "tunedin.local/pause:$KUBE_VERSION" pause '["/pause"]'
    scratch_image "tunedin.local/coredns:$COREDNS_VERSION" coredns '["/coredns"]'
    scratch_image "tunedin.local/traefik:$TRAEFIK_VERSION" traefik '["/traefik"]'
    ;;
  load-addons)
    for tar in "$out"/*.tar; do "${ctr[@]}" images import "$tar" >/dev/null; done
    ;;
  import)
    shift
    for ref in "$@"; do
      echo "importing $ref into containerd"
      "$DOCKER" save "$ref" | "${ctr[@]}" images import - >/dev/null
    done
    ;;
  *) echo "usage: images.sh addons | load-addons | import REF..." >&2; exit 2 ;;
esac
