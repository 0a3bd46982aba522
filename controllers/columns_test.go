package controllers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestPrinterColumns reads both kinds as `kubectl get` does, as a Table the API server
// renders from the CRDs' printer columns, once the objects are Ready.
func TestPrinterColumns(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.readyService(g, "support", number1, number2)
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)

	columns, cells := e.table(g, "messagingservices", ms.Name)
	g.Expect(columns).To(Equal([]string{"Name", "SID", "Numbers", "Ready", "Reason", "Age"}))
	g.Expect(cells[:5]).To(Equal([]any{"support", ms.Status.SID, "2/2", "True", "Available"}))

	columns, cells = e.table(g, "a2pregistrations", a2p.Name)
	g.Expect(columns).To(Equal([]string{"Name", "Brand", "Campaigns", "Ready", "Reason", "Age"}))
	g.Expect(cells[:5]).To(Equal([]any{"acme", "APPROVED", "1/1", "True", "Available"}))
}

// table gets one object of the environment's namespace as a Table and returns the
// column names and the object's row.
func (e *testEnv) table(g Gomega, resource, name string) ([]string, []any) {
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
	var columns []string
	for _, c := range table.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	g.Expect(table.Rows).To(HaveLen(1))
	return columns, table.Rows[0].Cells
}
