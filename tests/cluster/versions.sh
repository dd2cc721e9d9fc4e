# Pinned versions and paths of the local test cluster; sourced by every script in this folder.
# The cache lives outside the clone so a second run (or a fresh clone) is warm.
CLUSTER_CACHE="${TUNEDIN_CLUSTER_CACHE:-$HOME/.cache/tunedin-cluster}"
KUBE_VERSION="v1.34.4"          # cgroup v1 hosts need < 1.35
KUBE_STAGING_VERSION="v0.34.4"  # the published staging modules of that release
COREDNS_VERSION="v1.14.7"
TRAEFIK_VERSION="v3.6.12"
PROM_OPERATOR_VERSION="v0.85.0"
BIN_DIR="$CLUSTER_CACHE/bin"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
# Debian packages: bookworm's are installed (apt-get); trixie's are downloaded and unpacked into
# $PKG_ROOT, never installed over the system's (bookworm's containerd 1.6 is end of life).
TRIXIE_PACKAGES=(containerd etcd-server)
BOOKWORM_PACKAGES=(runc containernetworking-plugins iptables conntrack openssl socat ethtool)
PKG_ROOT="$CLUSTER_CACHE/trixie-root"
RUN_DIR="$CLUSTER_CACHE/run"          # state of a running cluster (PKI, data, logs, pids)
KUBECONFIG_PATH="$CLUSTER_CACHE/kubeconfig"
INGRESS_HOST_PORT="${TUNEDIN_CLUSTER_INGRESS_PORT:-18080}"
# Addresses: everything stays on this machine. The node's address is the CNI bridge's own
# gateway address (created by up.sh before anything starts), so pods, the control plane and the
# host talk only across this machine's bridge and loopback.
NODE_NAME="tunedin-node"
POD_CIDR="10.88.0.0/16"
NODE_IP="10.88.0.1"
BRIDGE="tunedin0"
SERVICE_CIDR="10.96.0.0/16"
API_SERVICE_IP="10.96.0.1"
DNS_SERVICE_IP="10.96.0.10"
APISERVER_PORT=6443
