package controllers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestConditionMetricSetsAreComplete: the condition metrics export exactly the
// condition types and reasons api/v1alpha1/conditions.go declares. A new reason that is
// not added to conditionReasons would be exported as "Other".
func TestConditionMetricSetsAreComplete(t *testing.T) {
	g := NewWithT(t)
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "api", "v1alpha1", "conditions.go"), nil, 0)
	g.Expect(err).NotTo(HaveOccurred())
	declared := map[string]map[string]bool{"Condition": {}, "Reason": {}}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				value, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				g.Expect(err).NotTo(HaveOccurred())
				for prefix, set := range declared {
					if strings.HasPrefix(name.Name, prefix) {
						set[value] = true
					}
				}
			}
		}
	}
	g.Expect(declared["Condition"]).To(HaveLen(8))
	g.Expect(conditionTypes).To(Equal(declared["Condition"]))
	g.Expect(conditionReasons).To(Equal(declared["Reason"]))
}

// TestConditionMetricsBoundTheirLabels: a condition type the operator does not set is
// left out, and an unknown reason becomes "Other", so what another writer puts in a
// status cannot add series.
func TestConditionMetricsBoundTheirLabels(t *testing.T) {
	g := NewWithT(t)
	m := newConditionMetrics(nil)
	obj := &v1alpha1.MessagingService{}
	obj.Namespace, obj.Name = "team-a", "support"
	since := metav1.Unix(1_700_000_000, 0)
	obj.SetConditions([]metav1.Condition{
		{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "SomethingNew", LastTransitionTime: since},
		{Type: "Custom", Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonAvailable, LastTransitionTime: since},
	})
	m.observe(obj)
	g.Expect(m.objects).To(HaveKeyWithValue(objectKey{kind: "MessagingService", name: types.NamespacedName{Namespace: "team-a", Name: "support"}},
		[]conditionState{{conditionType: v1alpha1.ConditionStalled, status: "True", reason: otherConditionReason, since: since.Time}}))
}
