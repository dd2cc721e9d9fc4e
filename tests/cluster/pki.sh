#!/usr/bin/env bash
# Certificates and kubeconfigs of the local cluster (openssl): one CA, the API server's serving
# certificate, a client certificate per component (the names RBAC's default roles expect), and
# the service-account signing key. Idempotent: an existing $RUN_DIR/pki is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
pki="$RUN_DIR/pki"
[[ -f "$pki/.complete" ]] && exit 0
rm -rf "$pki" && mkdir -p "$pki" && cd "$pki"

openssl req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=tunedin-local-ca" 2>/dev/null

# cert NAME SUBJECT [SUBJECT_ALT_NAMES] → NAME.key, NAME.crt signed by the CA
cert() {
  local name=$1 subject=$2 sans=${3:-}
  openssl req -new -nodes -newkey rsa:2048 -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$sans" ]]; then echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=$sans"
    else echo "extendedKeyUsage=clientAuth"; fi
  } > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" \
    -days 3650 -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

cert apiserver "/CN=kube-apiserver" \
  "IP:$API_SERVICE_IP,IP:$NODE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert admin "/O=system:masters/CN=tunedin-admin"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
cert controller-manager "/CN=system:kube-controller-manager"
cert scheduler "/CN=system:kube-scheduler"
cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
cert kube-proxy "/CN=system:kube-proxy"
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

# kubeconfig NAME SERVER → NAME.kubeconfig with NAME's client certificate embedded
kubeconfig() {
  local name=$1 server=$2 out="$pki/$1.kubeconfig"
  local k=("$BIN_DIR/kubectl" --kubeconfig="$out")
  "${k[@]}" config set-cluster tunedin --server="$server" --certificate-authority=ca.crt --embed-certs >/dev/null
  "${k[@]}" config set-credentials "$name" --client-certificate="$name.crt" --client-key="$name.key" --embed-certs >/dev/null
  "${k[@]}" config set-context tunedin --cluster=tunedin --user="$name" >/dev/null
  "${k[@]}" config use-context tunedin >/dev/null
}
local_server="https://127.0.0.1:$APISERVER_PORT"
for name in admin controller-manager scheduler kubelet kube-proxy; do kubeconfig "$name" "$local_server"; done
chmod 600 ./*.key ./*.kubeconfig
touch .complete
