package live

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestMakeTestLiveWithoutCredentials: hack/test-live.sh (make test-live) without the
// variables says so in one line and exits 0, before building anything; with one
// bundle of two it refuses, naming both.
func TestMakeTestLiveWithoutCredentials(t *testing.T) {
	g := NewWithT(t)
	script := filepath.Join(root, "hack", "test-live.sh")
	var clean []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TWILIO_") {
			clean = append(clean, kv)
		}
	}
	// No go on the PATH: the script must not get as far as building.
	clean = append(clean, "PATH=/usr/bin:/bin")

	cmd := exec.Command("bash", script)
	cmd.Env = clean
	out, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "%s", out)
	g.Expect(strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")).To(HaveLen(1), "one line: %q", out)
	g.Expect(string(out)).To(Equal("test-live: TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN/TWILIO_LIVE_PHONE_NUMBER not set; " +
		"skipping the live suite (see docs/testing.md)\n"))

	cmd = exec.Command("bash", script)
	cmd.Env = append(clean, "TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN=x",
		"TWILIO_LIVE_PHONE_NUMBER=+15005550006", "TWILIO_LIVE_CUSTOMER_PROFILE_SID=BU0123456789abcdef0123456789abcdef")
	out, err = cmd.CombinedOutput()
	g.Expect(err).To(HaveOccurred())
	g.Expect(cmd.ProcessState.ExitCode()).To(Equal(2))
	g.Expect(string(out)).To(ContainSubstring("TWILIO_LIVE_A2P_PROFILE_SID"))
}
