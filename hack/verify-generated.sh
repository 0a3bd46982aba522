#!/usr/bin/env bash
# verify-generated.sh regenerates the CRDs, RBAC and DeepCopy code, and the Helm chart's
# copies of the CRDs and RBAC rules (hack/sync-chart.sh), and fails when that changed any
# file: the committed generated files were stale. The fresh files are left in place, so
# committing them is all it takes to fix.
set -euo pipefail
cd "$(dirname "$0")/.."

generated() {
  find config/crd/bases config/rbac api charts/twilio-operator/templates/crds charts/twilio-operator/files -type f \
    \( -name '*.yaml' -o -name 'zz_generated*.go' \) | sort
}
before=$(generated | xargs sha256sum)
make -s generate manifests
after=$(generated | xargs sha256sum)
if [[ "$before" != "$after" ]]; then
  echo "Generated files were stale and have been regenerated; commit them:" >&2
  diff <(echo "$before") <(echo "$after") | sed -n 's/^> [0-9a-f]*  /  /p' >&2
  exit 1
fi
