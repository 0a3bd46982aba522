package controllers

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// readyMetrics exports twilio_operator_objects{kind, ready}: how many objects of each
// kind are Ready (True), not Ready (False) or not yet reconciled (Unknown).
type readyMetrics struct {
	gauge *prometheus.GaugeVec

	mu     sync.Mutex
	states map[types.UID]metav1.ConditionStatus
}

func newReadyMetrics(reg prometheus.Registerer) *readyMetrics {
	m := &readyMetrics{
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "twilio_operator_objects",
			Help: "Objects managed by the operator, by kind and status of their Ready condition.",
		}, []string{"kind", "ready"}),
		states: map[types.UID]metav1.ConditionStatus{},
	}
	if reg != nil {
		reg.MustRegister(m.gauge)
	}
	return m
}

// observe records the object's current Ready status.
func (m *readyMetrics) observe(obj conditioned) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := readyStatus(obj)
	if was, ok := m.states[obj.GetUID()]; ok {
		if was == now {
			return
		}
		m.gauge.WithLabelValues(kindName(obj), string(was)).Dec()
	}
	m.states[obj.GetUID()] = now
	m.gauge.WithLabelValues(kindName(obj), string(now)).Inc()
}

// forget drops a deleted object.
func (m *readyMetrics) forget(obj conditioned) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if was, ok := m.states[obj.GetUID()]; ok {
		m.gauge.WithLabelValues(kindName(obj), string(was)).Dec()
		delete(m.states, obj.GetUID())
	}
}

func kindName(obj conditioned) string {
	switch obj.(type) {
	case *v1alpha1.MessagingService:
		return "MessagingService"
	case *v1alpha1.A2PRegistration:
		return "A2PRegistration"
	}
	return "Unknown"
}
