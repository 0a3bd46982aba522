#!/usr/bin/env bash
# test-live.sh runs the acceptance suite (test/live) against a real Twilio account:
# make test-live. It checks the environment before it builds anything: without the
# credentials and the number it says so in one line and exits 0, so the target is
# safe to call anywhere. It is never part of CI (.ci/run runs `make test`, which runs
# the same scenarios against the emulator).
#
# Environment (docs/testing.md):
#   TWILIO_ACCOUNT_SID                  required
#   TWILIO_AUTH_TOKEN                   required, or TWILIO_API_KEY and TWILIO_API_SECRET
#   TWILIO_LIVE_PHONE_NUMBER            required: an E.164 number the account owns, in no Messaging Service
#   TWILIO_LIVE_CUSTOMER_PROFILE_SID    optional, with the next: twilio-approved bundles for the mock brand
#   TWILIO_LIVE_A2P_PROFILE_SID
#   TWILIO_LIVE_TIMEOUT                 optional: wait for an object to be Ready (default 3m)
#   TWILIO_LIVE_VETTING_TIMEOUT         optional: wait for a mock brand or campaign's vetting (default 20m)
#   TEST_LIVE_ARGS                      optional: more `go test` flags (-run TestScenarios/AdoptionAndObserveOnly)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[[ -n "${TWILIO_ACCOUNT_SID:-}" ]] || missing+=(TWILIO_ACCOUNT_SID)
if [[ -z "${TWILIO_AUTH_TOKEN:-}" && ( -z "${TWILIO_API_KEY:-}" || -z "${TWILIO_API_SECRET:-}" ) ]]; then
	missing+=(TWILIO_AUTH_TOKEN)
fi
[[ -n "${TWILIO_LIVE_PHONE_NUMBER:-}" ]] || missing+=(TWILIO_LIVE_PHONE_NUMBER)
if ((${#missing[@]} > 0)); then
	echo "test-live: $(IFS=/; echo "${missing[*]}") not set; skipping the live suite (see docs/testing.md)"
	exit 0
fi
cp_set=${TWILIO_LIVE_CUSTOMER_PROFILE_SID:+yes}
tp_set=${TWILIO_LIVE_A2P_PROFILE_SID:+yes}
if [[ "$cp_set" != "$tp_set" ]]; then
	echo "test-live: set both TWILIO_LIVE_CUSTOMER_PROFILE_SID and TWILIO_LIVE_A2P_PROFILE_SID, or neither" >&2
	exit 2
fi

assets=$(hack/setup-envtest.sh)
# shellcheck disable=SC2086 # TEST_LIVE_ARGS is a list of flags
KUBEBUILDER_ASSETS="$assets" TWILIO_LIVE=1 go test ./test/live -run TestScenarios -count=1 -v -timeout 90m ${TEST_LIVE_ARGS:-}
