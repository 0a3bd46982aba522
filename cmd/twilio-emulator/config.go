package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// config is everything the emulator is told on its command line.
type config struct {
	addr        string
	addrFile    string
	seedFile    string
	quirksFile  string
	delays      twilioemu.Delays
	delaysSet   map[string]bool // the delay flags given explicitly; they win over the seed file
	faults      twilioemu.Faults
	randSeed    uint64
	logRequests bool
}

// parseConfig reads the flags. Delay flags left at their default give way to the seed
// file's "delays". Errors carry the flag package's message; -h is flag.ErrHelp.
func parseConfig(args []string) (config, error) {
	c := config{delaysSet: map[string]bool{}}
	fs := flags(&c)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) { c.delaysSet[f.Name] = true })
	if c.randSeed == 0 {
		c.randSeed = uint64(time.Now().UnixNano())
	}
	return c, c.validate()
}

// flags binds the command line to c.
func flags(c *config) *flag.FlagSet {
	d := twilioemu.DefaultDelays()
	fs := flag.NewFlagSet("twilio-emulator", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "Address to listen on; port 0 picks a free one (see --addr-file).")
	fs.StringVar(&c.addrFile, "addr-file", "", "Write the emulator's base URL (http://host:port) to this file once it listens.")
	fs.StringVar(&c.seedFile, "seed", "", "JSON seed file: accounts, API keys, phone numbers, bundles (default: two demo accounts).")
	fs.StringVar(&c.quirksFile, "quirks", "",
		"JSON file of quirks (fields Twilio ignores or normalises, lists that omit brands); replaces the seed file's.")
	fs.DurationVar(&c.delays.Brand, "brand-delay", d.Brand, "How long a brand stays PENDING before its outcome.")
	fs.DurationVar(&c.delays.CampaignInProgress, "campaign-in-progress-delay", d.CampaignInProgress,
		"How long a campaign stays PENDING before IN_PROGRESS.")
	fs.DurationVar(&c.delays.Campaign, "campaign-delay", d.Campaign, "How long after submission a campaign gets its outcome.")
	fs.DurationVar(&c.delays.BundleReview, "bundle-review-delay", d.BundleReview,
		"How long a submitted TrustHub bundle stays pending-review.")
	fs.DurationVar(&c.delays.BundleApproval, "bundle-approval-delay", d.BundleApproval,
		"How long a TrustHub bundle then stays in-review before its outcome.")
	fs.DurationVar(&c.delays.OTPExpiry, "otp-expiry", d.OTPExpiry,
		"How long a Sole Proprietor brand's OTP is valid (0: it does not expire).")
	fs.DurationVar(&c.faults.Latency, "latency", 0, "Fixed delay added to every Twilio response.")
	fs.DurationVar(&c.faults.Jitter, "jitter", 0, "Random delay of up to this much added on top of --latency.")
	fs.Float64Var(&c.faults.ErrorRate, "error-rate", 0, "Fraction (0-1) of requests answered 500 or 503 unprocessed.")
	fs.IntVar(&c.faults.ConcurrencyLimit, "concurrency-limit", 0,
		"In-flight requests per account; more are answered 429/20429 (0: unlimited).")
	fs.Float64Var(&c.faults.DropRate, "drop-rate", 0,
		"Fraction (0-1) of successful writes committed but answered by closing the connection.")
	fs.Uint64Var(&c.randSeed, "rand-seed", 0, "Seed of the fault injection's random source (0: from the time).")
	fs.BoolVar(&c.logRequests, "log-requests", true, "Log every Twilio request (method, path, status, duration).")
	return fs
}

func (c config) validate() error {
	for _, d := range []time.Duration{c.delays.Brand, c.delays.CampaignInProgress, c.delays.Campaign,
		c.delays.BundleReview, c.delays.BundleApproval, c.delays.OTPExpiry} {
		if d < 0 {
			return errors.New("delays must not be negative")
		}
	}
	return c.faults.Validate()
}

// seed is the seed file (or the default seed) with the delay flags and the quirks file
// applied.
func (c config) seed() (twilioemu.Seed, error) {
	s := twilioemu.DefaultSeed()
	if c.seedFile != "" {
		var err error
		if s, err = twilioemu.LoadSeed(c.seedFile); err != nil {
			return twilioemu.Seed{}, err
		}
	}
	d := c.delays
	if file := s.Delays; file != nil {
		for flag, f := range map[string]struct{ dst, src *time.Duration }{
			"brand-delay":                {&d.Brand, &file.Brand},
			"campaign-in-progress-delay": {&d.CampaignInProgress, &file.CampaignInProgress},
			"campaign-delay":             {&d.Campaign, &file.Campaign},
			"bundle-review-delay":        {&d.BundleReview, &file.BundleReview},
			"bundle-approval-delay":      {&d.BundleApproval, &file.BundleApproval},
			"otp-expiry":                 {&d.OTPExpiry, &file.OTPExpiry},
		} {
			if !c.delaysSet[flag] {
				*f.dst = *f.src
			}
		}
	}
	s.Delays = &d
	if c.quirksFile != "" {
		q, err := twilioemu.LoadQuirks(c.quirksFile)
		if err != nil {
			return twilioemu.Seed{}, err
		}
		s.Quirks = &q
	}
	return s, nil
}
