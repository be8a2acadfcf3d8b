#!/usr/bin/env bash
# The end-to-end suite on a real Kubernetes cluster (kind): images, Helm install, the sample
# CachedApi, then the JUnit suite in e2e/ (-Pe2e) against that cluster.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: e2e/run.sh [--keep] [--cluster NAME] [--help]

Creates a kind cluster (e2e/kind-config.yaml), builds the operator and service images with Jib into
the local Docker daemon (make images), loads them into the cluster, installs the operator with Helm
(helm/cachedapi-operator), applies manifests/samples/cachedapi.yaml and runs the end-to-end suite
(./mvnw -Pe2e, test KindEndToEndIT) against it. On failure it saves `kubectl get/describe` output and
pod logs under e2e/target/kind-logs/. The cluster is deleted at the end unless --keep is given.

  --keep          keep the cluster (and the CachedApi) for inspection
  --cluster NAME  kind cluster name (default: cachedapi-e2e)
  --help          this text

Prerequisites, on PATH: docker (with a running daemon), kind, kubectl, helm; a JDK >= 21
(scripts/toolchain.sh finds or installs one). The cluster nodes pull postgres:16 and redis:7-alpine,
so they need access to Docker Hub.
USAGE
}

cluster=cachedapi-e2e
keep=false
while [[ $# -gt 0 ]]; do
  case $1 in
    --help|-h) usage; exit 0 ;;
    --keep) keep=true; shift ;;
    --cluster) cluster=${2:?--cluster needs a name}; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "e2e/run.sh needs $tool on PATH (see --help)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "e2e/run.sh needs a running Docker daemon" >&2; exit 1; }

namespace=cachedapi-system
logs=e2e/target/kind-logs
collect_logs() {
  mkdir -p "$logs"
  kubectl get all,cachedapi,pvc,events -A -o wide > "$logs/get.txt" 2>&1 || true
  kubectl describe cachedapi -A > "$logs/describe-cachedapi.txt" 2>&1 || true
  kubectl describe pods -A > "$logs/describe-pods.txt" 2>&1 || true
  for pod in $(kubectl get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{" "}{end}'); do
    kubectl logs -n "${pod%%/*}" "${pod##*/}" --all-containers > "$logs/${pod//\//_}.log" 2>&1 || true
  done
  echo "logs and descriptions saved in $logs" >&2
}
finish() {
  local status=$?
  if [[ $status -ne 0 ]]; then collect_logs; fi
  if [[ $keep == false ]]; then kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; fi
  exit "$status"
}
trap finish EXIT

kind create cluster --name "$cluster" --config e2e/kind-config.yaml --wait 120s
make images
for image in ghcr.io/cachedapi/cachedapi-operator:0.1.0 ghcr.io/cachedapi/cachedapi-service:0.1.0; do
  kind load docker-image --name "$cluster" "$image"
done
helm install cachedapi-operator helm/cachedapi-operator --namespace "$namespace" --create-namespace --wait
kubectl apply -f manifests/samples/cachedapi.yaml
scripts/toolchain.sh ./mvnw -B -ntp -Pe2e -pl e2e -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=KindEndToEndIT -Dfailsafe.failIfNoSpecifiedTests=false
