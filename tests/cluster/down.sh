#!/usr/bin/env bash
# Stops the local cluster that up.sh started (by the pids it recorded), unmounts the kubelet's
# volumes, removes kube-proxy's rules and the pod bridge. --purge also deletes its state (etcd,
# certificates, volumes) and containerd's image store (~25 GB with PyPI's CUDA torch in the
# trainer image); the built binaries stay cached.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
export PATH="$BIN_DIR:$PKG_ROOT/usr/bin:$PATH"

stop() {
  local pidfile="$RUN_DIR/pids/$1.pid"
  [[ -f "$pidfile" ]] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "cluster-down: stopping $1 ($pid)"
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# The pods' containers first (their shims outlive the kubelet), then the node and control plane.
if [[ -S "$RUN_DIR/containerd/containerd.sock" ]] && [[ -f "$RUN_DIR/pids/containerd.pid" ]]; then
  crictl=(ctr --address "$RUN_DIR/containerd/containerd.sock" --namespace k8s.io)
  stop kubelet
  for task in $("${crictl[@]}" tasks list -q 2>/dev/null); do "${crictl[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
  sleep 1
  for c in $("${crictl[@]}" containers list -q 2>/dev/null); do
    "${crictl[@]}" tasks delete -f "$c" >/dev/null 2>&1 || true
    "${crictl[@]}" containers delete "$c" >/dev/null 2>&1 || true
  done
fi
bash "$here/data-mirror.sh" stop
for name in kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do stop "$name"; done

# Mounts under the kubelet's and containerd's folders, deepest first.
findmnt -rn -o TARGET | grep -E "^($RUN_DIR|$CLUSTER_CACHE/containerd)/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
[[ -x "$BIN_DIR/kube-proxy" ]] && kube-proxy --cleanup >/dev/null 2>&1 || true
iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null || true
iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
ip link del "$BRIDGE" 2>/dev/null || true
if [[ "${1:-}" == "--purge" ]]; then
  echo "cluster-down: removing $RUN_DIR"
  rm -rf "$RUN_DIR" "$KUBECONFIG_PATH" "$CLUSTER_CACHE/containerd"
fi
echo "cluster-down: stopped"
