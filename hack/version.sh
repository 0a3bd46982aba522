#!/usr/bin/env bash
# version.sh prints the release version of this checkout, the default VERSION of
# `make release`, `make image` and `make build`:
#   - `git describe` of the nearest v* tag: v0.2.0 on the tag, v0.2.0-3-g60cafd0 three
#     commits after it, with -dirty when there are uncommitted changes;
#   - before the first tag, v0.0.0-dev.g<commit>[-dirty];
#   - outside a git checkout, v0.0.0-dev.
# Every form is v<SemVer 2>, as the chart version (the same without the "v") must be.
set -euo pipefail
cd "$(dirname "$0")/.."

if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
  echo "$v"
elif commit=$(git rev-parse --short HEAD 2>/dev/null); then
  dirty=""
  git diff --quiet HEAD -- 2>/dev/null || dirty="-dirty"
  echo "v0.0.0-dev.g${commit}${dirty}"
else
  echo "v0.0.0-dev"
fi
