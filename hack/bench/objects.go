package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// benchNamespace holds the MessagingServices of the single-account phases.
const benchNamespace = "contact-center"

// phoneNumber is the i-th number of an account: +1 555 AAA NNNN, unique per account.
func phoneNumber(account, i int) string { return fmt.Sprintf("+1555%03d%04d", account, i) }

// flexNumber is the i-th number of an account as a Flex contact center has it: its
// inbound messages go to a Studio flow (its sms_url), so the operator's inbound routing
// check finds a route, as it would in the deployments the benchmark stands for.
func flexNumber(account, i int) twilioemu.PhoneNumberSeed {
	return twilioemu.PhoneNumberSeed{PhoneNumber: phoneNumber(account, i), SMSURL: studioFlowURL}
}

// studioFlowURL is a Studio flow's webhook, the sms_url Flex gives a number.
const studioFlowURL = "https://webhooks.twilio.com/v1/Accounts/AC00000000000000000000000000000000/Flows/FW00000000000000000000000000000000"

// msName is the name of the i-th MessagingService.
func msName(i int) string { return fmt.Sprintf("sender-%05d", i) }

// seedWithNumbers is the emulator's default seed with n more numbers in the default
// account, one for each MessagingService.
func seedWithNumbers(n int) twilioemu.Seed {
	s := twilioemu.DefaultSeed()
	for i := range n {
		s.Accounts[0].PhoneNumbers = append(s.Accounts[0].PhoneNumbers, flexNumber(0, i))
	}
	return s
}

// credentials is the Secret of an account, named as the operator's default expects.
func credentials(namespace, accountSid, token string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "twilio-credentials", Namespace: namespace},
		StringData: map[string]string{"TWILIO_ACCOUNT_SID": accountSid, "TWILIO_AUTH_TOKEN": token},
	}
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// messagingService is a MessagingService with one E.164 number, as a contact center's
// per-queue sender would be.
func messagingService(namespace, name, number string) *v1alpha1.MessagingService {
	return &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: v1alpha1.MessagingServiceSpec{
			FriendlyName: "Bench " + name,
			PhoneNumbers: []string{number},
		},
	}
}

// services returns n MessagingServices of the default account in benchNamespace.
func services(n int) []client.Object {
	out := make([]client.Object, n)
	for i := range n {
		out[i] = messagingService(benchNamespace, msName(i), phoneNumber(0, i))
	}
	return out
}

// applyResult is how long creating a set of objects took.
type applyResult struct {
	Objects  int           `json:"objects"`
	Duration time.Duration `json:"durationNanoseconds"`
}

// apply creates objs with parallel workers, as `kubectl apply` of a large directory
// (or a GitOps sync) would, and fails on the first error.
func apply(ctx context.Context, c client.Client, objs []client.Object) (applyResult, error) {
	start := time.Now()
	err := forEach(ctx, objs, func(ctx context.Context, o client.Object) error {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("cannot create %s %s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
		return nil
	})
	return applyResult{Objects: len(objs), Duration: time.Since(start)}, err
}

// forEach runs fn on every object with parallel workers.
func forEach(ctx context.Context, objs []client.Object, fn func(context.Context, client.Object) error) error {
	const workers = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(objs)); i = next.Add(1) - 1 {
				if err := fn(ctx, objs[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
