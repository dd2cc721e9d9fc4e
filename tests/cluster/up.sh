#!/usr/bin/env bash
# Starts a single-node Kubernetes $KUBE_VERSION on this machine as plain processes (the way
# upstream's hack/local-up-cluster.sh does): containerd, etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kube-proxy, then the add-ons (storage,
# CoreDNS, Traefik) from addons/. Logs and pids under $RUN_DIR; kubeconfig at $KUBECONFIG_PATH.
# Needs the binaries (build-kubernetes.sh, build-addons.sh), the packages (fetch-packages.sh)
# and the add-on images (images.sh). Idempotent: a running cluster is left as it is.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
export PATH="$BIN_DIR:$PKG_ROOT/usr/bin:$PATH"
mkdir -p "$RUN_DIR"/{logs,pids,containerd/state,cni/net.d,cni/ipam,kubelet,etcd,config,volumes}
log() { echo "cluster-up: $*" >&2; }

running() { [[ -f "$RUN_DIR/pids/$1.pid" ]] && kill -0 "$(cat "$RUN_DIR/pids/$1.pid")" 2>/dev/null; }
# start NAME COMMAND...: run in its own session, output to logs/NAME.log, pid to pids/NAME.pid.
start() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  log "starting $name"
  setsid "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/pids/$name.pid"
}
# wait_for WHAT SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local what=$1 limit=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then log "timed out waiting for $what; see $RUN_DIR/logs/"; exit 1; fi
    sleep 1
  done
}
render() {  # render TEMPLATE → stdout, replacing @VAR@ with the variables of versions.sh
  sed -e "s|@CLUSTER_CACHE@|$CLUSTER_CACHE|g" -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@KUBE_VERSION@|$KUBE_VERSION|g" \
      -e "s|@BRIDGE@|$BRIDGE|g" -e "s|@POD_CIDR@|$POD_CIDR|g" -e "s|@NODE_IP@|$NODE_IP|g" \
      -e "s|@NODE_NAME@|$NODE_NAME|g" -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|g" \
      -e "s|@COREDNS_VERSION@|$COREDNS_VERSION|g" -e "s|@TRAEFIK_VERSION@|$TRAEFIK_VERSION|g" \
      -e "s|@INGRESS_HOST_PORT@|$INGRESS_HOST_PORT|g" "$1"
}

# ---- host settings the kubelet and kube-proxy need (see ../shared/CLUSTER.md)
mount --make-rshared /
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 fs.inotify.max_user_instances=8192 \
  fs.inotify.max_user_watches=524288
# The pod network is this bridge; its address is the node's. Pods never reach past this machine:
# forwarding from the bridge to any other interface is dropped.
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
fi
ip link set "$BRIDGE" up
# Pod to pod through a Service is forwarded bridge to bridge: accept it even where Docker has
# set the FORWARD policy to DROP.
iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null || iptables -I FORWARD 1 -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT

bash "$here/pki.sh"
pki="$RUN_DIR/pki"
# install_rendered TEMPLATE TARGET: only a changed file is rewritten (kube-proxy exits when its
# configuration file changes under it).
install_rendered() {
  local tmp; tmp=$(mktemp)
  render "$1" > "$tmp"
  if cmp -s "$tmp" "$2"; then rm -f "$tmp"; else mv "$tmp" "$2"; fi
}
for f in containerd.toml kubelet.yaml kube-proxy.yaml; do install_rendered "$here/config/$f.in" "$RUN_DIR/config/$f"; done
install_rendered "$here/config/cni.conflist.in" "$RUN_DIR/cni/net.d/10-tunedin.conflist"

# ---- container runtime and etcd
start containerd containerd --config "$RUN_DIR/config/containerd.toml"
wait_for containerd 30 ctr --address "$RUN_DIR/containerd/containerd.sock" version
bash "$here/images.sh" load-addons
start etcd etcd --name tunedin --data-dir "$RUN_DIR/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster tunedin=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
wait_for etcd 30 curl -fsS http://127.0.0.1:2381/health

# ---- control plane
start kube-apiserver kube-apiserver \
  --etcd-servers=http://127.0.0.1:2379 \
  --bind-address=0.0.0.0 --secure-port="$APISERVER_PORT" --advertise-address="$NODE_IP" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki/apiserver-kubelet-client.key" --kubelet-preferred-address-types=InternalIP \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --allow-privileged=false --profiling=false
export KUBECONFIG="$pki/admin.kubeconfig"
wait_for kube-apiserver 120 kubectl get --raw /readyz
start kube-controller-manager kube-controller-manager \
  --kubeconfig="$pki/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$pki/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$pki/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --use-service-account-credentials \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --allocate-node-cidrs=false \
  --controllers='*,bootstrapsigner,tokencleaner' --profiling=false
start kube-scheduler kube-scheduler \
  --kubeconfig="$pki/scheduler.kubeconfig" \
  --authentication-kubeconfig="$pki/scheduler.kubeconfig" \
  --authorization-kubeconfig="$pki/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --profiling=false

# ---- node
start kubelet kubelet --config="$RUN_DIR/config/kubelet.yaml" \
  --kubeconfig="$pki/kubelet.kubeconfig" --root-dir="$RUN_DIR/kubelet" \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
start kube-proxy kube-proxy --config="$RUN_DIR/config/kube-proxy.yaml"
wait_for "node $NODE_NAME to register" 120 kubectl get node "$NODE_NAME"
kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=180s >/dev/null

# ---- add-ons: storage (static hostPath volumes), CoreDNS, Traefik
# Eight 10 GiB hostPath PersistentVolumes on this node, pre-provisioned (the controller-manager's
# host-path provisioner makes its folders root-only 0750, which the non-root pods cannot write).
pvs() {
  for i in $(seq 1 8); do
    mkdir -p "$RUN_DIR/volumes/pv$i" && chmod 0777 "$RUN_DIR/volumes/pv$i"
    printf '%s\n' "---" "apiVersion: v1" "kind: PersistentVolume" "metadata: {name: local-pv$i}" \
      "spec:" "  capacity: {storage: 10Gi}" "  accessModes: [ReadWriteOnce, ReadWriteMany]" \
      "  persistentVolumeReclaimPolicy: Retain" "  storageClassName: local" \
      "  hostPath: {path: \"$RUN_DIR/volumes/pv$i\", type: DirectoryOrCreate}"
  done
}
{ for f in "$here"/addons/*.yaml; do render "$f"; echo "---"; done; pvs; } | kubectl apply -f - >/dev/null
# A volume whose claim was deleted (Released) is wiped and offered again.
for pv in $(kubectl get pv -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
  path=$(kubectl get pv "$pv" -o jsonpath='{.spec.hostPath.path}')
  [[ "$path" == "$RUN_DIR/volumes/"* ]] && find "$path" -mindepth 1 -delete
  kubectl patch pv "$pv" --type json -p '[{"op": "remove", "path": "/spec/claimRef"}]' >/dev/null
  log "recycled $pv"
done
kubectl -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null
kubectl -n kube-system rollout status deployment/traefik --timeout=180s >/dev/null
cp "$pki/admin.kubeconfig" "$KUBECONFIG_PATH"
log "ready: export KUBECONFIG=$KUBECONFIG_PATH; ingress on http://127.0.0.1:$INGRESS_HOST_PORT/"

# What this cluster runs, for the checks' report (make test-cluster passes it on).
{
  printf '{"cluster": "upstream Kubernetes as processes (tests/cluster)",'
  printf ' "kubernetes": "%s", "etcd": "%s",' "$KUBE_VERSION" "$(etcd --version | awk '/etcd Version/ {print $3}')"
  printf ' "containerd": "%s",' "$(containerd --version | awk '{print $3}')"
  printf ' "runc": "%s",' "$(/usr/sbin/runc --version | awk 'NR==1 {print $3}')"
  printf ' "cni plugins": "%s (bridge, host-local, portmap)",' "$(dpkg-query -W -f '${Version}' containernetworking-plugins)"
  printf ' "coredns": "%s", "ingress controller": "Traefik %s (host network, port %s)",' "$COREDNS_VERSION" "$TRAEFIK_VERSION" "$INGRESS_HOST_PORT"
  printf ' "storage": "pre-provisioned hostPath PersistentVolumes (StorageClass local)",'
  printf ' "network policy": "not enforced (the bridge CNI has no policy engine)"}\n'
} > "$CLUSTER_CACHE/cluster-info.json"
