package main

import (
	"fmt"
	"strings"
)

// twilioObjects counts what the emulator holds, from its state (the admin API).
type twilioObjects struct {
	Services int `json:"services"`
	// PoolMembers is the numbers in a Messaging Service's sender pool.
	PoolMembers int `json:"poolMembers"`
	Brands      int `json:"brands"`
	Campaigns   int `json:"campaigns"`
	// SharedNames is the services whose friendly name another service also has: a
	// duplicated create that a lost one would hide from the count.
	SharedNames int `json:"servicesWithASharedName"`
}

func (o twilioObjects) String() string {
	return fmt.Sprintf("services=%d pool=%d brands=%d campaigns=%d shared-names=%d",
		o.Services, o.PoolMembers, o.Brands, o.Campaigns, o.SharedNames)
}

// objectCheck is one comparison of the emulator's objects with what the phase applied.
type objectCheck struct {
	When string        `json:"when"`
	Want twilioObjects `json:"want"`
	Got  twilioObjects `json:"got"`
}

func (c objectCheck) ok() bool { return c.Want == c.Got }

// servicesWithOneNumber is what n MessagingServices with one number each must leave in
// Twilio.
func servicesWithOneNumber(n int) twilioObjects { return twilioObjects{Services: n, PoolMembers: n} }

// checkTwilio counts the emulator's objects and compares them with want.
func (w *world) checkTwilio(when string, want twilioObjects) (objectCheck, error) {
	c := objectCheck{When: when, Want: want}
	st, err := w.emu.Admin.State()
	if err != nil {
		return c, fmt.Errorf("cannot read the emulator's state: %w", err)
	}
	names := map[string]int{}
	for _, s := range st.Services {
		names[s.FriendlyName]++
	}
	for _, n := range names {
		if n > 1 {
			c.Got.SharedNames += n
		}
	}
	for _, p := range st.PhoneNumbers {
		if p.ServiceSid != "" {
			c.Got.PoolMembers++
		}
	}
	c.Got.Services, c.Got.Brands, c.Got.Campaigns = len(st.Services), len(st.Brands), len(st.Campaigns)
	if !c.ok() {
		say("Twilio objects %s: want %s, got %s", when, c.Want, c.Got)
	}
	return c, nil
}

// objectsTarget is the target that every check of a phase found what it applied.
func objectsTarget(add func(name, want, got string, met bool, flags string), phase string, checks []objectCheck) {
	if len(checks) == 0 {
		return
	}
	var missed []string
	for _, c := range checks {
		if !c.ok() {
			missed = append(missed, fmt.Sprintf("%s: %s", c.When, c.Got))
		}
	}
	got := fmt.Sprintf("all %d checks", len(checks))
	if len(missed) > 0 {
		got = strings.Join(missed, "; ")
	}
	add(phase+": Twilio objects as applied, at every check", checks[0].Want.String(), got, len(missed) == 0, "")
}
