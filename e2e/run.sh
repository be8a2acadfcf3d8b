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

The cluster's credentials go to a kubeconfig of its own (e2e/target/kind-NAME.kubeconfig), and every
kubectl and helm command, and the suite itself, use that file and the context kind-NAME: your
kubeconfig, its current context and every other cluster are left alone.

Prerequisites, on PATH: docker (with a running daemon), kind, kubectl, helm; a JDK >= 21
(scripts/toolchain.sh --build finds or installs one; PostgreSQL and Redis are not needed here). The
cluster nodes pull postgres:16 and redis:7-alpine, so they need access to Docker Hub.
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
context=kind-$cluster
mkdir -p e2e/target
export KUBECONFIG=$root/e2e/target/kind-$cluster.kubeconfig
logs=e2e/target/kind-logs
# The two images make images builds (image.registry and image.tag in pom.xml).
images=(ghcr.io/cachedapi/cachedapi-operator:0.1.0 ghcr.io/cachedapi/cachedapi-service:0.1.0)
kubectl() { command kubectl --context "$context" "$@"; }
helm() { command helm --kube-context "$context" "$@"; }
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
  if [[ $keep == false ]]; then
    kind delete cluster --name "$cluster" --kubeconfig "$KUBECONFIG" >/dev/null 2>&1 || true
  else
    echo "kept the cluster; reach it with: export KUBECONFIG=$KUBECONFIG" >&2
  fi
  exit "$status"
}
trap finish EXIT

kind create cluster --name "$cluster" --kubeconfig "$KUBECONFIG" --config e2e/kind-config.yaml --wait 120s
make images
kind load docker-image --name "$cluster" "${images[@]}"
helm install cachedapi-operator helm/cachedapi-operator --namespace "$namespace" --create-namespace --wait
kubectl apply -f manifests/samples/cachedapi.yaml
scripts/toolchain.sh --build ./mvnw -B -ntp -Pe2e -pl e2e -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=KindEndToEndIT -Dfailsafe.failIfNoSpecifiedTests=false -Dcachedapi.kubeContext="$context"
