package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// With useInboundWebhookOnNumber (the Flex setting), a Messaging Service hands each
// inbound message to the number it was sent to, so a number with no route of its own
// drops it silently. The inbound routing check reports each pool number's route. Its
// reads are the account's, not the object's: one list of the account's numbers and one
// of its Conversations address configurations serve every MessagingService of the
// account, and are read again at most once per resync period (inboundRoutes).

// inboundRoutes holds, per Twilio account, the latest read of how its numbers route
// inbound messages, for ttl (the resync period).
type inboundRoutes struct {
	clock clock.PassiveClock
	ttl   time.Duration

	mu       sync.Mutex
	accounts map[string]*accountRoutes
}

// accountRoutes is one account's entry. Its mutex is held while the account's lists are
// read, so syncs of the same account that need them meanwhile wait for that one read
// instead of making their own.
type accountRoutes struct {
	mu   sync.Mutex
	read *routesRead
	// failedAt is when the last read failed: syncs of the account do not read again
	// before retryAfterFailure has passed, so a Twilio outage costs one read per account
	// per interval, not one per object and retry.
	failedAt time.Time
}

// routesRead is one read of an account's inbound routes.
type routesRead struct {
	at time.Time
	// numbers are the account's numbers by PN SID.
	numbers map[string]twilio.IncomingNumber
	// addresses are the Conversations address configurations (IG SID) by E.164 address.
	addresses map[string]string
}

// missingNumberReread is how old a read may be before a pool number it lacks (bought
// after it) makes it read again; once a minute at most, whatever the resync period.
const missingNumberReread = time.Minute

// retryAfterFailure is how soon an account whose lists could not be read is tried again.
const retryAfterFailure = 30 * time.Second

func newInboundRoutes(c clock.PassiveClock, ttl time.Duration) *inboundRoutes {
	return &inboundRoutes{clock: c, ttl: ttl, accounts: map[string]*accountRoutes{}}
}

// routes returns the account's inbound routes, reading them when the last read is older
// than the resync period, or lacks one of the numbers wanted and is older than a minute.
func (c *inboundRoutes) routes(ctx context.Context, tw twilio.Client, want []string) (*routesRead, error) {
	c.mu.Lock()
	entry := c.accounts[tw.AccountSID()]
	if entry == nil {
		entry = &accountRoutes{}
		c.accounts[tw.AccountSID()] = entry
	}
	c.mu.Unlock()

	entry.mu.Lock()
	defer entry.mu.Unlock()
	now := c.clock.Now()
	if r := entry.read; r != nil && now.Sub(r.at) < c.ttl && (r.hasAll(want) || now.Sub(r.at) < min(c.ttl, missingNumberReread)) {
		return r, nil
	}
	if !entry.failedAt.IsZero() && now.Sub(entry.failedAt) < min(c.ttl, retryAfterFailure) {
		if entry.read != nil {
			return entry.read, nil
		}
		return nil, fmt.Errorf("the account's numbers could not be read %s ago; trying again later", now.Sub(entry.failedAt).Round(time.Second))
	}
	r, err := readRoutes(ctx, tw, now)
	if err != nil {
		entry.failedAt = now
		return nil, err
	}
	entry.read, entry.failedAt = r, time.Time{}
	return r, nil
}

// readRoutes makes the two reads: the account's numbers and its sms address
// configurations.
func readRoutes(ctx context.Context, tw twilio.Client, at time.Time) (*routesRead, error) {
	numbers, err := tw.ListIncomingNumbers(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot list the account's phone numbers: %w", err)
	}
	addresses, err := tw.ListAddressConfigurations(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot list the account's Conversations address configurations: %w", err)
	}
	r := &routesRead{at: at, numbers: make(map[string]twilio.IncomingNumber, len(numbers)),
		addresses: make(map[string]string, len(addresses))}
	for _, n := range numbers {
		r.numbers[n.SID] = n
	}
	for _, a := range addresses {
		r.addresses[a.Address] = a.SID
	}
	return r, nil
}

func (r *routesRead) hasAll(sids []string) bool {
	for _, sid := range sids {
		if _, ok := r.numbers[sid]; !ok {
			return false
		}
	}
	return true
}

// routeOf is the number's inbound route, and a problem with it ("" if none). A
// Conversations address configuration wins: Twilio creates the Conversation and also
// calls the number's own webhook or application, which is worth a warning. An
// application wins over an sms_url, which Twilio ignores when sms_application_sid is set.
// ok is false for a number the read does not have.
func (r *routesRead) routeOf(sid string) (route v1alpha1.InboundRoute, problem string, ok bool) {
	n, ok := r.numbers[sid]
	if !ok {
		return "", "", false
	}
	own := ""
	switch {
	case n.SMSApplicationSID != "":
		route, own = v1alpha1.InboundRouteApplication, "its sms_application_sid "+n.SMSApplicationSID
	case n.SMSURL != "":
		route, own = v1alpha1.InboundRouteWebhook, "its sms_url"
	default:
		route = v1alpha1.InboundRouteNone
	}
	if ig, configured := r.addresses[n.PhoneNumber]; configured {
		route = v1alpha1.InboundRouteConversations
		if own != "" {
			problem = fmt.Sprintf("Conversations address configuration %s and %s both receive inbound messages: Twilio runs both", ig, own)
		}
	}
	return route, problem, true
}

// checkInboundRouting reports the inbound route of every associated pool number and
// sets InboundRouting. It only applies while the service defers to the numbers
// (useInboundWebhookOnNumber, true by default); otherwise the service's own
// inboundRequestUrl receives inbound messages, no read is made, and the routes and
// the condition are cleared. A read that fails leaves the last report as it was: the
// check is a warning, and it must not make the object's sync fail or retry.
func (run *msRun) checkInboundRouting(ctx context.Context, tw twilio.Client) {
	numbers := run.obj.Status.PhoneNumbers
	var want []string
	for _, st := range numbers {
		if st.State == v1alpha1.PhoneNumberAssociated && st.SID != "" {
			want = append(want, st.SID)
		}
	}
	if !defersToNumbers(run.obj) || len(want) == 0 {
		run.clearInboundRouting()
		return
	}
	routes, err := run.inbound.routes(ctx, tw, want)
	if err != nil {
		log.FromContext(ctx).Info("Inbound routes not checked", "error", redact(err.Error()))
		return
	}
	var unrouted, doubled []string
	for i := range numbers {
		st := &numbers[i]
		if st.State != v1alpha1.PhoneNumberAssociated || st.SID == "" {
			st.InboundRoute = ""
			continue
		}
		route, problem, ok := routes.routeOf(st.SID)
		if !ok {
			continue // bought after the read: reported at the next one
		}
		st.InboundRoute, st.Message = route, problem
		name := routes.numbers[st.SID].PhoneNumber // E.164, also for an entry given as a PN SID
		switch {
		case route == v1alpha1.InboundRouteNone:
			unrouted = append(unrouted, name)
		case problem != "":
			doubled = append(doubled, name+": "+problem)
		}
	}
	setInboundCondition(run.obj, unrouted, doubled)
}

// defersToNumbers says whether the service hands inbound messages to each number.
func defersToNumbers(obj *v1alpha1.MessagingService) bool {
	return obj.Spec.UseInboundWebhookOnNumber == nil || *obj.Spec.UseInboundWebhookOnNumber
}

func (run *msRun) clearInboundRouting() {
	for i := range run.obj.Status.PhoneNumbers {
		st := &run.obj.Status.PhoneNumbers[i]
		if st.InboundRoute != "" && st.State == v1alpha1.PhoneNumberAssociated {
			st.Message = ""
		}
		st.InboundRoute = ""
	}
	removeCondition(run.obj, v1alpha1.ConditionInboundRouting)
}

// setInboundCondition is InboundRouting=False naming the numbers without a route, else
// True, with reason ConversationsAndWebhook naming the numbers routed twice, if any.
func setInboundCondition(obj *v1alpha1.MessagingService, unrouted, doubled []string) {
	sort.Strings(unrouted)
	sort.Strings(doubled)
	var also string
	if len(doubled) > 0 {
		also = "; " + strings.Join(doubled, "; ")
	}
	switch {
	case len(unrouted) > 0:
		markSubCondition(obj, v1alpha1.ConditionInboundRouting, metav1.ConditionFalse, v1alpha1.ReasonNoInboundRoute,
			fmt.Sprintf("%s no inbound route (no sms_url, no sms_application_sid, no Conversations address "+
				"configuration), and with useInboundWebhookOnNumber the service hands %s inbound messages to %s: "+
				"they are dropped%s", numbersHave(unrouted), possessive(unrouted), pronoun(unrouted), also))
	case len(doubled) > 0:
		markSubCondition(obj, v1alpha1.ConditionInboundRouting, metav1.ConditionTrue, v1alpha1.ReasonConversationsAndWebhook,
			"every pool number has an inbound route, but "+strings.Join(doubled, "; "))
	default:
		markSubCondition(obj, v1alpha1.ConditionInboundRouting, metav1.ConditionTrue, v1alpha1.ReasonInboundRouted,
			"every pool number has an inbound route")
	}
}

// numbersHave is "phone number +1… has" or "phone numbers +1…, +1… have".
func numbersHave(numbers []string) string {
	if len(numbers) == 1 {
		return "phone number " + numbers[0] + " has"
	}
	return "phone numbers " + strings.Join(numbers, ", ") + " have"
}

func possessive(numbers []string) string {
	if len(numbers) == 1 {
		return "its"
	}
	return "their"
}

// recordInboundTransition emits a Warning when InboundRouting turns False or names
// other numbers, or when a number comes to be routed twice: on transitions only, never
// on a quiet resync.
func (s *shared) recordInboundTransition(ctx context.Context, obj, before conditioned) {
	now := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionInboundRouting)
	if now == nil || now.Reason == v1alpha1.ReasonInboundRouted {
		return
	}
	was := meta.FindStatusCondition(before.GetConditions(), v1alpha1.ConditionInboundRouting)
	if was != nil && was.Reason == now.Reason && was.Message == now.Message {
		return
	}
	log.FromContext(ctx).Info("Inbound routing warning", "reason", now.Reason, "message", redact(now.Message))
	s.events.warning(obj, eventReason(now.Reason), actionReconcile, "%s", now.Message)
}
