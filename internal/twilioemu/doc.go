// Package twilioemu is a stateful stand-in for the parts of the Twilio REST API the
// operator uses, faithful enough that the real twilio-go client cannot tell it from
// Twilio. Every test of the project, the local demo and the benchmarks run against it.
//
// # What it serves
//
// One http.Handler (Server) answers, on any host name:
//
//   - Messaging v1 Services (create, fetch, update, delete, list) and their sender pool
//     (Services/{MG}/PhoneNumbers: add, fetch, list, remove);
//   - A2P brand registrations (create, fetch, list, resubmit a FAILED brand);
//   - US A2P campaigns (Services/{MG}/Compliance/Usa2p: create, fetch, list, update,
//     delete) and the use case catalogues;
//   - 2010 IncomingPhoneNumbers (list with the PhoneNumber filter, fetch, and update of
//     a number's name and inbound routing: SmsUrl, SmsMethod, SmsApplicationSid…);
//   - Conversations address configurations (/v1/Configuration/Addresses: create, list
//     with the Type filter, fetch, update, delete), for sms addresses that are numbers
//     of the account, one configuration per address;
//   - TrustHub CustomerProfiles/{BU} and TrustProducts/{BU} (fetch).
//
// Routes lists them; each is the path template of Twilio's OpenAPI spec, and the
// conformance test checks routes, parameters and every response body against the spec.
//
// It follows Twilio's wire rules: form-encoded bodies with repeated keys for lists,
// snake_case JSON, the {code, message, more_info, status} error body, 201/200/202/204
// as the spec says, v1 list envelopes with meta and absolute next_page_url (built from
// the request's own scheme and host), the 2010 envelope with relative next_page_uri,
// and Twilio's two date formats. HTTP Basic authentication with an account SID and
// auth token or an API key and secret is checked on every Twilio route, and every
// object belongs to one account. Twilio's rules are enforced with Twilio's codes and
// statuses; errors.go lists every error with its source, and where Twilio's behaviour is
// not documented the emulator takes the stricter reading and says so there:
//
//   - senders: 21710 and 21712 (409), 21714 for a full pool;
//   - campaigns: one per service (a generic 400/20001: Twilio documents no code, so a
//     client must list the service's campaigns to find one), 21717 on a brand that is not
//     APPROVED, 21719 for a use case the service's Usecase does not admit (both ways),
//     21720/21728 for bad input; edits only once vetting has finished (FAILED or VERIFIED,
//     then re-vetted from IN_PROGRESS), 20409 while PENDING or IN_PROGRESS, 21729 when
//     SUSPENDED;
//   - the v2 campaign shape (privacy_policy_url, terms_and_conditions_url) only for a
//     request with X-Twilio-Api-Version: v1.2, and those URLs are kept only from such a
//     request;
//   - brands: registered whatever their bundles, and FAILED with 30793 when a bundle is
//     missing, another account's, of the wrong kind or not twilio-approved; resubmission
//     only when FAILED (21725, 21731 when SUSPENDED), never while a campaign uses the
//     brand (20409), at most three times (21724);
//   - inbound routing: a number's URLs absolute (21502), an address configuration only
//     for a number of the account and only one per address (a generic 400/20001);
//   - parameter validation (20001, 20002, 21502, 21609, 21713).
//
// Brands and campaigns are vetted over time: PENDING → APPROVED, and PENDING →
// IN_PROGRESS → VERIFIED, after Delays measured on an injectable Clock and applied
// lazily when an object is read. A bundle's seeded brand outcome (FAILED, SUSPENDED…)
// and CampaignRules decide failures; tests can also force any status. Forcing a brand
// DELETION_PENDING requests its deletion, as the Console does (the API has no DELETE):
// it is gone after the brand delay, or DELETION_FAILED while a campaign uses it.
//
// Quirks make it behave as Twilio does where Twilio departs from its spec: a named field
// of a route's writes ignored (as Twilio takes the "Reserved" ScanMessageContent and
// SynchronousValidation) or normalised (upper- or lower-cased, trimmed), and the brand
// list leaving out secondary-vetted brands (twilio-ruby#688), so a test can prove a client
// does not repeat a write Twilio did not keep and finds a brand by SID.
//
// Faults make it misbehave on purpose: latency and jitter, a 500/503 rate, a per-account
// concurrency limit answered 429/20429, and "commit the write, then drop the
// connection". A seedable random source makes a run of faults reproducible.
//
// The admin API under /__emulator/ (see admin.go) seeds, forces transitions, moves the
// clock, sets faults and quirks, and reads the request log, per-route counters (filterable by
// User-Agent) and state. Control is that API as a Go interface, implemented by *Server
// in-process and by *AdminClient over HTTP.
//
// # Using it from a test
//
//	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()),
//		twilioemu.WithClock(twilioemu.NewManualClock(time.Now())))
//	rc := twilio.NewRestClientWithParams(twilio.ClientParams{
//		Client: &client.Client{
//			Credentials: client.NewCredentials(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken),
//			HTTPClient:  emu.HTTPClient(), // in-process; or RedirectTransport to a listener
//		},
//	})
//	rc.SetAccountSid(twilioemu.DefaultAccountSid) // twilio-go's 2010 paths need it
//	svc, err := rc.MessagingV1.CreateService(new(openapi.CreateServiceParams).SetFriendlyName("Support"))
//	…
//	n, _ := emu.Count("POST /v1/Services") // 1
//	_ = emu.Advance(10 * time.Minute)       // vetting moves on
//
// cmd/twilio-emulator serves the same Server as a standalone process, seeded from a
// JSON file (Seed), with quirks from the seed or a --quirks file.
package twilioemu
