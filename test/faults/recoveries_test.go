package faults

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// How the operator reports a recovery after an interrupted create, in one place: the
// log line of a recovered Messaging Service (controllers/messagingservice_service.go)
// and the event of either kind (and a2pregistration_brand.go, whose only trace is the
// event).
const (
	recoveredServiceLog  = "Recovered Messaging Service after an interrupted create"
	recoveredEventReason = "Adopted"
	recoveredServiceNote = "Recovered Messaging Service "
	recoveredBrandNote   = "Recovered brand registration "
)

// The create routes whose recoveries are counted.
const (
	createServiceRoute = "POST /v1/Services"
	createBrandRoute   = "POST /v1/a2p/BrandRegistrations"
)

var (
	serviceSID = regexp.MustCompile(`MG[0-9a-f]{32}`)
	brandSID   = regexp.MustCompile(`BN[0-9a-f]{32}`)
)

// recoveries is how often a create was interrupted and recovered, and why. Every
// create Twilio committed ends up recorded by the process that sent it or, when that
// process never learnt the SID, recovered by a later reconcile (no duplicate and no
// lost object is checked separately). A recovery has one of two causes: the emulator
// dropped the create's answer, or the process was SIGKILLed after Twilio committed the
// create and before the SID reached Kubernetes. The first are counted by the emulator;
// the rest are the SIGKILLs that landed in that part of a create window.
//
// The recoveries are the operator's own account of them, so they are lower bounds: a
// process killed between recording a SID and writing its log line (or sending its
// event) leaves no trace of that recovery.
type recoveries struct {
	// Services and Brands are the distinct SIDs recovered: services from the operator's
	// log lines and events, brands from events.
	Services int `json:"services"`
	Brands   int `json:"brands"`
	// ServiceLostAnswers and BrandLostAnswers are the creates whose answer the emulator
	// dropped after committing them.
	ServiceLostAnswers int `json:"serviceCreatesWithLostAnswer"`
	BrandLostAnswers   int `json:"brandCreatesWithLostAnswer"`
	// AfterKill is the recoveries that no lost answer explains, per kind: a SIGKILL
	// landed between Twilio committing a create and the SID reaching Kubernetes. A
	// lower bound, as the recoveries are.
	AfterKill int `json:"afterKill"`
}

// countRecoveries reads the logs of every operator process (killed ones included),
// the namespace's events and the emulator's request log.
func (w *world) countRecoveries(g Gomega, requests []twilioemu.RequestRecord) recoveries {
	services, brands := map[string]bool{}, map[string]bool{}
	w.mu.Lock()
	logs := make([]string, len(w.operators))
	for i, o := range w.operators {
		logs[i] = o.LogPath
	}
	w.mu.Unlock()
	for _, path := range logs {
		f, err := os.Open(path)
		g.Expect(err).NotTo(HaveOccurred())
		lines := bufio.NewScanner(f)
		lines.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for lines.Scan() {
			var entry struct {
				Msg string `json:"msg"`
				SID string `json:"sid"`
			}
			if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == recoveredServiceLog && entry.SID != "" {
				services[entry.SID] = true
			}
		}
		g.Expect(lines.Err()).NotTo(HaveOccurred())
		_ = f.Close()
	}
	events := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), events, client.InNamespace(w.ns))).To(Succeed())
	for _, e := range events.Items {
		if e.Reason != recoveredEventReason {
			continue
		}
		switch {
		case strings.HasPrefix(e.Note, recoveredServiceNote):
			services[serviceSID.FindString(e.Note)] = true
		case strings.HasPrefix(e.Note, recoveredBrandNote):
			brands[brandSID.FindString(e.Note)] = true
		}
	}
	r := recoveries{Services: len(services), Brands: len(brands)}
	for _, req := range requests {
		switch {
		case !req.Dropped:
		case req.Route == createServiceRoute:
			r.ServiceLostAnswers++
		case req.Route == createBrandRoute:
			r.BrandLostAnswers++
		}
	}
	r.AfterKill = max(0, r.Services-r.ServiceLostAnswers) + max(0, r.Brands-r.BrandLostAnswers)
	return r
}

// TestRecoveryWordsAreTheOperators keeps the words countRecoveries looks for in step
// with the operator: should a log message or an event change, the recoveries would
// silently count zero.
func TestRecoveryWordsAreTheOperators(t *testing.T) {
	g := NewWithT(t)
	sources, err := filepath.Glob(filepath.Join(root, "controllers", "*.go"))
	g.Expect(err).NotTo(HaveOccurred())
	var code strings.Builder
	for _, path := range sources {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		data, err := os.ReadFile(path)
		g.Expect(err).NotTo(HaveOccurred())
		code.Write(data)
	}
	for _, words := range []string{`"` + recoveredServiceLog + `"`, `"` + recoveredEventReason + `"`,
		`"` + recoveredServiceNote, `"` + recoveredBrandNote} {
		g.Expect(code.String()).To(ContainSubstring(words), "controllers/*.go no longer say %s: update recoveries_test.go", words)
	}
}
