package twilio

import (
	"context"
	"net/http"
	"sync"
	"time"

	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
	"golang.org/x/sync/singleflight"
)

// twilioClock is Twilio's clock as one account's responses show it. Every Twilio
// response carries a Date header, in whole seconds, stamped by Twilio before the
// response left; the latest one, moved on by the time elapsed since it arrived as
// measured by this process's monotonic clock, is a lower bound of Twilio's time now.
// Crash recovery compares Twilio's own timestamps (date_created) with it, so it never
// depends on the cluster's clock agreeing with Twilio's.
type twilioClock struct {
	mu sync.Mutex
	// date is the Date header of the latest response, and received when it arrived
	// (with its monotonic reading, which wall-clock steps do not move).
	date     time.Time
	received time.Time
	probes   singleflight.Group
}

// observe records the Date header of a response.
func (c *twilioClock) observe(resp *http.Response) {
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	// Responses arrive out of order; the one that shows Twilio's clock furthest on for
	// when it arrived is the tightest lower bound.
	if c.received.IsZero() || date.Sub(c.date) > now.Sub(c.received) {
		c.date, c.received = date, now
	}
}

// now is the lower bound of Twilio's time, false when no response has arrived yet.
func (c *twilioClock) now() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.received.IsZero() {
		return time.Time{}, false
	}
	return c.date.Add(time.Since(c.received)), true
}

// opClockProbe names the request TwilioTime makes when no response of the account has
// been seen yet.
const opClockProbe = "GET /v1/Services"

// TwilioTime is a lower bound of Twilio's clock now, for the account: the Date of the
// account's latest response plus the time since it arrived. Only when this process has
// had no response for the account yet does it read one page of one Messaging Service to
// learn it; concurrent callers share that one request.
func (a *apiClient) TwilioTime(ctx context.Context) (time.Time, error) {
	if t, ok := a.clock.now(); ok {
		return t, nil
	}
	_, err, _ := a.clock.probes.Do("probe", func() (any, error) {
		_, err := a.messaging(ctx).PageService(new(messagingv1.ListServiceParams).SetPageSize(1), "", "")
		return nil, err
	})
	if t, ok := a.clock.now(); ok {
		return t, nil // any answer, an error included, carries Twilio's Date
	}
	if err == nil {
		err = &Error{Class: ClassTransient, Op: opClockProbe, Message: "Twilio's answer had no Date header"}
	}
	return time.Time{}, classify(opClockProbe, err)
}
