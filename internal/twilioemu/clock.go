package twilioemu

import (
	"sync"
	"time"
)

// Clock tells the emulator what time it is. Vetting transitions (brand PENDING →
// APPROVED, campaign PENDING → IN_PROGRESS → VERIFIED) are evaluated lazily against it
// whenever an object is read, so a test that controls the clock controls vetting
// without sleeping.
type Clock interface {
	Now() time.Time
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// OffsetClock is the wall clock moved by d: Twilio's clock as an operator whose own
// clock is d behind Twilio's sees it (d may be negative). It runs at the wall clock's
// rate, as Twilio's does.
func OffsetClock(d time.Duration) Clock { return offsetClock(d) }

type offsetClock time.Duration

func (c offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c)) }

// ManualClock is a Clock that only moves when told to. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Delays are how long Twilio's (and The Campaign Registry's) vetting takes in the
// emulator. Real vetting takes minutes to weeks; tests shrink these or move the clock.
type Delays struct {
	// Brand is how long a brand stays PENDING before it gets its outcome (APPROVED
	// unless a bundle was seeded with another brand outcome).
	Brand time.Duration `json:"brand"`
	// CampaignInProgress is how long a new or updated campaign stays PENDING before it
	// shows IN_PROGRESS.
	CampaignInProgress time.Duration `json:"campaignInProgress"`
	// Campaign is how long after submission a campaign gets its outcome (VERIFIED
	// unless a campaign rule matches).
	Campaign time.Duration `json:"campaign"`
	// BundleReview is how long a TrustHub bundle submitted through the API stays
	// pending-review before it is in-review (or twilio-rejected, when it did not comply).
	BundleReview time.Duration `json:"bundleReview"`
	// BundleApproval is how long a bundle then stays in-review before its outcome
	// (twilio-approved unless set to be rejected).
	BundleApproval time.Duration `json:"bundleApproval"`
	// OTPExpiry is how long a Sole Proprietor brand's OTP is valid: "The OTP is valid for
	// 24 hours" (https://www.twilio.com/docs/api/errors/30752). Zero means the OTP does
	// not expire, so delay settings written before this field keep working.
	OTPExpiry time.Duration `json:"otpExpiry"`
}

// DefaultDelays are the delays of a new emulator: short enough for a demo, long enough
// that a controller sees the intermediate states; the OTP expires after Twilio's 24
// hours.
func DefaultDelays() Delays {
	return Delays{Brand: 2 * time.Minute, CampaignInProgress: time.Minute, Campaign: 5 * time.Minute,
		BundleReview: 30 * time.Second, BundleApproval: 2 * time.Minute, OTPExpiry: 24 * time.Hour}
}

// negative reports whether any delay is negative.
func (d Delays) negative() bool {
	return d.Brand < 0 || d.CampaignInProgress < 0 || d.Campaign < 0 || d.BundleReview < 0 || d.BundleApproval < 0 ||
		d.OTPExpiry < 0
}

// Twilio's two date formats: the v1 APIs use ISO 8601 in UTC, the 2010 API RFC 2822.
const (
	v1TimeFormat    = "2006-01-02T15:04:05Z"
	v2010TimeFormat = "Mon, 02 Jan 2006 15:04:05 +0000"
)

func v1Time(t time.Time) string    { return t.UTC().Format(v1TimeFormat) }
func v2010Time(t time.Time) string { return t.UTC().Format(v2010TimeFormat) }
