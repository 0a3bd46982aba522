// Package live is the operator's acceptance suite: one set of scenarios (a service with
// a number, adoption, ObserveOnly, drift, deletion, and a mock A2P brand with its
// campaign) run by the operator's own controllers, in-process, against a real
// kube-apiserver (envtest) and one of two Twilio backends:
//
//   - the emulator (internal/twilioemu, in-process), by default: `make test` runs it;
//   - a real Twilio account, with TWILIO_LIVE=1 (`make test-live`, never part of CI),
//     credentials from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and
//     TWILIO_API_SECRET), a number the account owns in TWILIO_LIVE_PHONE_NUMBER and,
//     for the brand and campaign, two approved bundles in
//     TWILIO_LIVE_CUSTOMER_PROFILE_SID and TWILIO_LIVE_A2P_PROFILE_SID.
//
// The scenarios are the same code for both (scenarios_test.go); a backend only says
// where Twilio is, with which credentials, and how long Twilio may take. Everything
// the suite makes in Twilio carries the run's prefix (tolive-<random>) and is deleted
// when the test ends, pass or fail; nothing without the prefix is touched, except the
// one mock brand the suite reuses from run to run (Twilio cannot delete a brand).
// docs/testing.md says what it costs (nothing) and how to run it.
package live
