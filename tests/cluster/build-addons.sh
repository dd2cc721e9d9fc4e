#!/usr/bin/env bash
# Builds the cluster add-ons from the Go module proxy into $BIN_DIR: CoreDNS (plain go install)
# and Traefik v3 (the ingress controller; its go.mod has replace directives, so a wrapper module
# requires it and copies them), plus the static pause binary from the Kubernetes module's
# build/pause/linux/pause.c.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
mkdir -p "$BIN_DIR"

if [[ ! -x "$BIN_DIR/coredns" || ! -f "$BIN_DIR/.coredns-$COREDNS_VERSION" ]]; then
  echo "building coredns $COREDNS_VERSION ($(date -u +%T))"
  GOBIN="$BIN_DIR" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  touch "$BIN_DIR/.coredns-$COREDNS_VERSION"
fi

if [[ ! -x "$BIN_DIR/traefik" || ! -f "$BIN_DIR/.traefik-$TRAEFIK_VERSION" ]]; then
  echo "building traefik $TRAEFIK_VERSION ($(date -u +%T))"
  work="$CLUSTER_CACHE/src/traefik-wrapper"
  mkdir -p "$work" && cd "$work"
  go mod download "github.com/traefik/traefik/v3@$TRAEFIK_VERSION"
  upstream_mod="$(go env GOMODCACHE)/github.com/traefik/traefik/v3@$TRAEFIK_VERSION/go.mod"
  {
    echo "module tunedin.local/traefik-wrapper"
    echo
    echo "go $(awk '$1 == "go" {print $2; exit}' "$upstream_mod")"
    echo
    echo "require github.com/traefik/traefik/v3 $TRAEFIK_VERSION"
    echo
    # Single-line "replace a => b v" and the lines of a "replace ( ... )" block.
    awk '/^replace \(/ {blk=1; next} blk && /^\)/ {blk=0; next}
         blk && $2 == "=>" {print "replace " $0; next}
         /^replace / && $3 == "=>" {print}' "$upstream_mod"
  } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/traefik/traefik/v3/cmd/traefik"\n' > tools.go
  go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    -o "$BIN_DIR/traefik" github.com/traefik/traefik/v3/cmd/traefik
  touch "$BIN_DIR/.traefik-$TRAEFIK_VERSION"
fi

if [[ ! -x "$BIN_DIR/pause" ]]; then
  src="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION/build/pause/linux/pause.c"
  gcc -Os -Wall -Werror -static -DVERSION="$KUBE_VERSION-tunedin" -o "$BIN_DIR/pause" "$src"
  strip "$BIN_DIR/pause"
fi
ls -la "$BIN_DIR"
