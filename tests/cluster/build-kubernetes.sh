#!/usr/bin/env bash
# Builds the Kubernetes binaries of $KUBE_VERSION from the Go module proxy into $BIN_DIR.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod points every staging module
# (k8s.io/api, k8s.io/client-go, ...) at ./staging with v0.0.0 requirements. A tiny wrapper
# module requires k8s.io/kubernetes and replaces each of those staging modules with its
# published $KUBE_STAGING_VERSION release (the route kubernetes-sigs/scheduler-plugins uses).
# Static (CGO_ENABLED=0) builds with the version ldflags upstream's hack/lib/version.sh sets.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"

commands=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
stamp="$BIN_DIR/.kubernetes-$KUBE_VERSION"
if [[ -f "$stamp" ]]; then echo "kubernetes $KUBE_VERSION: cached in $BIN_DIR"; exit 0; fi

work="$CLUSTER_CACHE/src/kubernetes-wrapper"
mkdir -p "$work" "$BIN_DIR"
cd "$work"
go mod download -x "k8s.io/kubernetes@$KUBE_VERSION" 2>&1 | grep -c '^# get' || true
upstream_mod="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION/go.mod"

{
  echo "module tunedin.local/kubernetes-wrapper"
  echo
  echo "go $(awk '$1 == "go" {print $2; exit}' "$upstream_mod")"
  echo
  echo "require k8s.io/kubernetes $KUBE_VERSION"
  echo
  # Every "k8s.io/x => ./staging/src/k8s.io/x" becomes "k8s.io/x => k8s.io/x <published>".
  awk -v v="$KUBE_STAGING_VERSION" '$2 == "=>" && $3 ~ /^\.\/staging\// {print "replace " $1 " => " $1 " " v}' "$upstream_mod"
} > go.mod
echo "wrapper go.mod: $(grep -c '^replace' go.mod) staging modules replaced"

{
  echo "//go:build tools"
  echo
  echo "// Package tools pins the Kubernetes commands this module builds."
  echo "package tools"
  echo
  echo "import ("
  for c in "${commands[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
  echo ")"
} > tools.go
go mod tidy

minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
for c in "${commands[@]}"; do
  echo "building $c ($(date -u +%T))"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$c" "k8s.io/kubernetes/cmd/$c"
done
"$BIN_DIR/kubectl" version --client
touch "$stamp"
