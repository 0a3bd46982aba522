package controllers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestPrinterColumns reads both kinds as `kubectl get` does, as a Table the API server
// renders from the CRDs' printer columns, once the objects are Ready. Columns of
// priority 1 are the ones only `kubectl get -o wide` shows.
func TestPrinterColumns(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.readyService(g, "support", number1, number2)
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)

	fetch(g, ms)
	g.Expect(ms.Status.UsAppToPersonRegistered).To(BeTrue())
	ready := meta.FindStatusCondition(ms.Status.Conditions, v1alpha1.ConditionReady)
	g.Expect(ready.Message).NotTo(BeEmpty())

	columns, cells := e.table(g, "messagingservices", ms.Name)
	g.Expect(columns).To(Equal([]column{{"Name", 0}, {"SID", 0}, {"Numbers", 0}, {"Ready", 0}, {"Reason", 0}, {"Age", 0},
		{"Account", 1}, {"A2P", 1}, {"Message", 1}}))
	g.Expect(cells[:5]).To(Equal([]any{"support", ms.Status.SID, "2/2", "True", "Available"}))
	g.Expect(cells[6:]).To(Equal([]any{account, true, ready.Message}))

	fetch(g, a2p)
	g.Expect(a2p.Status.Brand.TCRID).NotTo(BeEmpty())
	ready = meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionReady)
	columns, cells = e.table(g, "a2pregistrations", a2p.Name)
	g.Expect(columns).To(Equal([]column{{"Name", 0}, {"Brand", 0}, {"Campaigns", 0}, {"Ready", 0}, {"Reason", 0}, {"Age", 0},
		{"Account", 1}, {"TCR ID", 1}, {"Message", 1}}))
	g.Expect(cells[:5]).To(Equal([]any{"acme", "APPROVED", "1/1", "True", "Available"}))
	g.Expect(cells[6:]).To(Equal([]any{account, a2p.Status.Brand.TCRID, ready.Message}))

	// A service without a campaign shows A2P false, not an empty cell: Twilio says so.
	plain := e.readyService(g, "plain", number3)
	_, cells = e.table(g, "messagingservices", plain.Name)
	g.Expect(cells[7]).To(BeFalse())
}

// column is a Table column's name and priority.
type column struct {
	name     string
	priority int32
}

// table gets one object of the environment's namespace as a Table and returns the
// column names and the object's row.
func (e *testEnv) table(g Gomega, resource, name string) ([]column, []any) {
	httpClient, err := rest.HTTPClientFor(restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	endpoint, err := url.JoinPath(restConfig.Host, restConfig.APIPath, "apis", v1alpha1.GroupVersion.Group, v1alpha1.GroupVersion.Version,
		"namespaces", e.ns, resource, name)
	g.Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, endpoint, nil)
	g.Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := httpClient.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), string(body))
	table := &metav1.Table{}
	g.Expect(json.Unmarshal(body, table)).To(Succeed())
	var columns []column
	for _, c := range table.ColumnDefinitions {
		columns = append(columns, column{c.Name, c.Priority})
	}
	g.Expect(table.Rows).To(HaveLen(1))
	return columns, table.Rows[0].Cells
}
