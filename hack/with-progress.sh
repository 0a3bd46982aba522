#!/usr/bin/env bash
# with-progress.sh runs a long first-time step (module downloads, a compile) and says,
# every 20 seconds, that it is still running, how long it has taken and how long it
# usually takes, so a first run on a new machine never sits silent for minutes.
#
# Usage: hack/with-progress.sh "<what>" "<usual time>" command [args...]
# The command's output is kept in a temporary file and shown (its last 40 lines) only
# if it fails; its exit status is returned. Progress lines go to stderr.
set -euo pipefail
what=$1 usual=$2
shift 2
start=$SECONDS
echo "${what} (usually ${usual})" >&2
(
  while sleep 20; do
    echo "  … still ${what}: $((SECONDS - start))s so far (usually ${usual})" >&2
  done
) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
output=$(mktemp)
trap 'kill $ticker 2>/dev/null || true; rm -f "$output"' EXIT
status=0
"$@" >"$output" 2>&1 || status=$?
kill "$ticker" 2>/dev/null || true
wait "$ticker" 2>/dev/null || true
if [[ $status -eq 0 ]]; then
  echo "  done ${what} in $((SECONDS - start))s" >&2
else
  echo "  failed ${what} after $((SECONDS - start))s:" >&2
  tail -n 40 "$output" >&2
fi
exit "$status"
