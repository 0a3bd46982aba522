package controllers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// readyLog records, from a watch, every state of one object's Ready condition the API
// server stored while it ran. "The owner never stopped being Ready" is a claim about
// every moment; a poll can only sample some.
type readyLog struct {
	mu     sync.Mutex
	states []string
	stop   func()
	done   chan struct{}
}

// watchReady starts recording obj's Ready condition; it stops when the test ends.
func watchReady(t *testing.T, obj object) *readyLog {
	t.Helper()
	wc, err := client.NewWithWatch(restConfig, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var list client.ObjectList = &v1alpha1.MessagingServiceList{}
	if _, ok := obj.(*v1alpha1.A2PRegistration); ok {
		list = &v1alpha1.A2PRegistrationList{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, list, client.InNamespace(obj.GetNamespace()),
		client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.name", obj.GetName())},
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: obj.GetResourceVersion()}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	l := &readyLog{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for ev := range w.ResultChan() {
			o, ok := ev.Object.(object)
			if !ok {
				continue
			}
			c := meta.FindStatusCondition(o.GetConditions(), v1alpha1.ConditionReady)
			l.mu.Lock()
			if c == nil {
				l.states = append(l.states, fmt.Sprintf("%s: no Ready", ev.Type))
			} else {
				l.states = append(l.states, fmt.Sprintf("%s: %s %s", ev.Type, c.Status, c.Reason))
			}
			l.mu.Unlock()
		}
	}()
	t.Cleanup(l.close)
	return l
}

func (l *readyLog) close() {
	l.stop()
	<-l.done
}

// notReady stops the watch and returns every recorded state that was not Ready=True.
func (l *readyLog) notReady() []string {
	l.close()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.states {
		if s != "MODIFIED: True Available" && s != "ADDED: True Available" {
			out = append(out, s)
		}
	}
	return out
}
