package live

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestLiveBackendPreconditions: a live run is configured by the environment only; what
// is missing or malformed is named, never a value.
func TestLiveBackendPreconditions(t *testing.T) {
	g := NewWithT(t)
	const sid, token = "AC0123456789abcdef0123456789abcdef", "livetokenvalue42"
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	_, err := liveBackend(env(nil))
	g.Expect(err).To(MatchError(ContainSubstring(envAccountSID)))
	g.Expect(err.Error()).To(ContainSubstring(envAuthToken))
	g.Expect(err.Error()).To(ContainSubstring(envPhoneNumber))

	base := map[string]string{envAccountSID: sid, envAuthToken: token, envPhoneNumber: "+15005550006"}
	b, err := liveBackend(env(base))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(b.twilioURL).To(BeEmpty(), "Twilio's own hosts: --twilio-api-url unset")
	g.Expect(b.suspendCampaign).To(BeNil())
	g.Expect(b.secretData()).To(Equal(map[string]string{"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token}))
	g.Expect(b.customerProfile+b.a2pProfile).To(BeEmpty(), "no bundles: no brand scenario")

	withKey := map[string]string{envAccountSID: sid, envAPIKey: "SK0123456789abcdef0123456789abcdef",
		envAPISecret: "livesecretvalue42", envPhoneNumber: "+15005550006", envAuthToken: token}
	b, err = liveBackend(env(withKey))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(b.secretData()).To(HaveKeyWithValue("TWILIO_API_KEY", withKey[envAPIKey]))
	g.Expect(b.secretData()).NotTo(HaveKey("TWILIO_AUTH_TOKEN"), "a whole API key is what the Secret carries")

	oneBundle := map[string]string{envCustomerProfile: "BU0123456789abcdef0123456789abcdef"}
	for k, v := range base {
		oneBundle[k] = v
	}
	_, err = liveBackend(env(oneBundle))
	g.Expect(err).To(MatchError(ContainSubstring(envA2PProfile)))

	malformed := map[string]string{envAccountSID: "AC-not-a-sid", envAuthToken: token, envPhoneNumber: "+15005550006"}
	_, err = liveBackend(env(malformed))
	g.Expect(err).To(HaveOccurred())
	g.Expect(strings.Contains(err.Error(), "AC-not-a-sid") || strings.Contains(err.Error(), token)).To(BeFalse(),
		"errors never carry a value: %v", err)

	badTimeout := map[string]string{envTimeout: "soon"}
	for k, v := range base {
		badTimeout[k] = v
	}
	_, err = liveBackend(env(badTimeout))
	g.Expect(err).To(MatchError(ContainSubstring(envTimeout)))
}
