package controllers

import (
	"sync"
	"time"

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
	// uids finds an object's state by its name, for a reconcile that finds it gone.
	uids map[objectKey]types.UID
}

func newReadyMetrics(reg prometheus.Registerer) *readyMetrics {
	m := &readyMetrics{
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "twilio_operator_objects",
			Help: "Objects managed by the operator, by kind and status of their Ready condition.",
		}, []string{"kind", "ready"}),
		states: map[types.UID]metav1.ConditionStatus{},
		uids:   map[objectKey]types.UID{},
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
	if old, ok := m.uids[keyOf(obj)]; ok && old != obj.GetUID() {
		// Deleted and created again under the same name before a reconcile saw it gone.
		m.gauge.WithLabelValues(kindName(obj), string(m.states[old])).Dec()
		delete(m.states, old)
	}
	if was, ok := m.states[obj.GetUID()]; ok {
		if was == now {
			return
		}
		m.gauge.WithLabelValues(kindName(obj), string(was)).Dec()
	}
	m.states[obj.GetUID()] = now
	m.uids[keyOf(obj)] = obj.GetUID()
	m.gauge.WithLabelValues(kindName(obj), string(now)).Inc()
}

// forget drops a deleted object.
func (m *readyMetrics) forget(kind string, name types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := objectKey{kind: kind, name: name}
	uid, ok := m.uids[key]
	if !ok {
		return
	}
	delete(m.uids, key)
	if was, ok := m.states[uid]; ok {
		m.gauge.WithLabelValues(kind, string(was)).Dec()
		delete(m.states, uid)
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

// Names of the condition metrics (docs/metrics.md).
const (
	conditionMetric      = "twilio_operator_object_condition"
	conditionSinceMetric = "twilio_operator_object_condition_oldest_transition_timestamp_seconds"
	otherConditionReason = "Other"
)

// conditionMetrics exports, for every (kind, namespace, condition type, status, reason),
// how many objects are in that state (twilio_operator_object_condition) and the
// lastTransitionTime of the one that has been in it longest
// (twilio_operator_object_condition_oldest_transition_timestamp_seconds): "Stalled for
// 15 minutes" and "vetting for 14 days" are alerts on that age, and hold across operator
// restarts because the time is the object's own.
//
// The series name no object: their number is bounded by kinds × namespaces × the
// operator's condition types × statuses × reasons (the fixed sets below), however many
// objects a namespace holds. The series are computed at each scrape from the last state
// the reconciler recorded, so a state nobody is in any more has no series.
type conditionMetrics struct {
	count, since *prometheus.Desc

	mu sync.Mutex
	// objects holds each object's conditions as last recorded, by kind and
	// namespace/name: a reconcile that finds the object gone knows only its name.
	objects map[objectKey][]conditionState
}

type objectKey struct {
	kind string
	name types.NamespacedName
}

type conditionState struct {
	conditionType, status, reason string
	since                         time.Time
}

// conditionTypes and conditionReasons are every condition type and reason the operator
// sets (api/v1alpha1/conditions.go; metrics_test.go keeps the lists complete). A
// condition of another type, written by someone else, is not exported; another reason
// is exported as "Other". Both keep the number of series bounded whatever a status holds.
var (
	conditionTypes = setOf(
		v1alpha1.ConditionReady, v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled,
		v1alpha1.ConditionBrandApproved, v1alpha1.ConditionCampaignsVerified, v1alpha1.ConditionPaused,
		v1alpha1.ConditionAccountShared, v1alpha1.ConditionInboundRouting,
	)
	conditionReasons = setOf(
		v1alpha1.ReasonAwaitingOTPVerification, v1alpha1.ReasonOTPVerificationFailed, v1alpha1.ReasonSoleProprietorLimit,
		v1alpha1.ReasonUsecaseNotAllowed, v1alpha1.ReasonExportConflict,
		v1alpha1.ReasonInboundRouted, v1alpha1.ReasonNoInboundRoute, v1alpha1.ReasonConversationsAndWebhook,
		v1alpha1.ReasonAvailable, v1alpha1.ReasonCreating, v1alpha1.ReasonUpdating, v1alpha1.ReasonDeleting,
		v1alpha1.ReasonRetrying, v1alpha1.ReasonPaused, v1alpha1.ReasonDriftDetected, v1alpha1.ReasonAwaitingVetting,
		v1alpha1.ReasonAwaitingBundleApproval, v1alpha1.ReasonAwaitingBrandApproval,
		v1alpha1.ReasonAwaitingCampaignVetting, v1alpha1.ReasonAwaitingMessagingService,
		v1alpha1.ReasonBrandApproved, v1alpha1.ReasonCampaignsVerified,
		v1alpha1.ReasonCredentialsNotFound, v1alpha1.ReasonInvalidCredentials, v1alpha1.ReasonInvalidSpec,
		v1alpha1.ReasonPhoneNumberNotFound, v1alpha1.ReasonPhoneNumberInUse, v1alpha1.ReasonAlreadyManaged,
		v1alpha1.ReasonWriteLoop, v1alpha1.ReasonAmbiguousAdoption, v1alpha1.ReasonSidNotFound,
		v1alpha1.ReasonBundleRejected, v1alpha1.ReasonBrandFailed, v1alpha1.ReasonBrandSuspended,
		v1alpha1.ReasonCampaignFailed, v1alpha1.ReasonImmutableFieldChanged, v1alpha1.ReasonAccountInOtherShard,
		v1alpha1.ReasonCampaignUpdateRefused, v1alpha1.ReasonCreateInDoubt, v1alpha1.ReasonMessagingServiceNotFound,
	)
)

func setOf(values ...string) map[string]bool {
	s := make(map[string]bool, len(values))
	for _, v := range values {
		s[v] = true
	}
	return s
}

func newConditionMetrics(reg prometheus.Registerer) *conditionMetrics {
	labels := []string{"kind", "namespace", "type", "status", "reason"}
	m := &conditionMetrics{
		count: prometheus.NewDesc(conditionMetric,
			"Objects managed by the operator whose condition type has this status and reason, by kind and namespace.",
			labels, nil),
		since: prometheus.NewDesc(conditionSinceMetric,
			"The earliest lastTransitionTime (Unix seconds) among the objects counted by "+conditionMetric+
				" with the same labels: the object that has had this condition status longest.",
			labels, nil),
		objects: map[objectKey][]conditionState{},
	}
	if reg != nil {
		reg.MustRegister(m)
	}
	return m
}

// observe records the object's current conditions.
func (m *conditionMetrics) observe(obj conditioned) {
	states := make([]conditionState, 0, len(obj.GetConditions()))
	for _, c := range obj.GetConditions() {
		if !conditionTypes[c.Type] {
			continue
		}
		reason := c.Reason
		if !conditionReasons[reason] {
			reason = otherConditionReason
		}
		states = append(states, conditionState{conditionType: c.Type, status: string(c.Status), reason: reason,
			since: c.LastTransitionTime.Time})
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[keyOf(obj)] = states
}

// forget drops a deleted object.
func (m *conditionMetrics) forget(kind string, name types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, objectKey{kind: kind, name: name})
}

func keyOf(obj conditioned) objectKey {
	return objectKey{kind: kindName(obj), name: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
}

// Describe implements prometheus.Collector.
func (m *conditionMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.count
	ch <- m.since
}

// Collect implements prometheus.Collector: it aggregates the recorded states.
func (m *conditionMetrics) Collect(ch chan<- prometheus.Metric) {
	type series struct{ kind, namespace, conditionType, status, reason string }
	type aggregate struct {
		objects int
		oldest  time.Time
	}
	all := map[series]*aggregate{}
	m.mu.Lock()
	for key, states := range m.objects {
		for _, s := range states {
			k := series{key.kind, key.name.Namespace, s.conditionType, s.status, s.reason}
			a := all[k]
			if a == nil {
				a = &aggregate{}
				all[k] = a
			}
			a.objects++
			if !s.since.IsZero() && (a.oldest.IsZero() || s.since.Before(a.oldest)) {
				a.oldest = s.since
			}
		}
	}
	m.mu.Unlock()
	for k, a := range all {
		values := []string{k.kind, k.namespace, k.conditionType, k.status, k.reason}
		ch <- prometheus.MustNewConstMetric(m.count, prometheus.GaugeValue, float64(a.objects), values...)
		if !a.oldest.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.since, prometheus.GaugeValue, float64(a.oldest.Unix()), values...)
		}
	}
}
