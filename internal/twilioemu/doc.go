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
//   - A2P brand registrations (create, fetch, list, resubmit a FAILED brand) and the
//     Sole Proprietor brand's OTP (…/SmsOtp: send a new one);
//   - US A2P campaigns (Services/{MG}/Compliance/Usa2p: create, fetch, list, update,
//     delete) and the use case catalogues;
//   - 2010 IncomingPhoneNumbers (list with the PhoneNumber filter, fetch, and update of
//     a number's name and inbound routing: SmsUrl, SmsMethod, SmsApplicationSid…);
//   - Conversations address configurations (/v1/Configuration/Addresses: create, list
//     with the Type filter, fetch, update, delete), for sms addresses that are numbers
//     of the account, one configuration per address;
//   - TrustHub, as an ISV builds its customers' bundles: CustomerProfiles and
//     TrustProducts (create, list with the Status, FriendlyName and PolicySid filters,
//     fetch, update and submit), their EntityAssignments (create, list with ObjectType,
//     delete) and Evaluations (create), EndUsers (create, list, fetch, update),
//     SupportingDocuments (create, list, fetch), and the 2010 Addresses (create, list
//     with CustomerName, FriendlyName and IsoCountry, fetch).
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
//     missing, another account's, of the wrong kind, of a policy the brand type does not
//     register with (STANDARD: a primary or Secondary Customer Profile and an A2P
//     trust product; SOLE_PROPRIETOR: a Starter Customer Profile and a Sole Proprietor
//     trust product) or not twilio-approved; resubmission
//     only when FAILED (21725, 21731 when SUSPENDED), never while a campaign uses the
//     brand (20409), at most three times (21724);
//   - Sole Proprietor brands: APPROVED and UNVERIFIED until their OTP is confirmed
//     (VERIFIED), 30752 when it expires (Delays.OTPExpiry, 24h) or is refused, a new OTP
//     only for an APPROVED, unverified sole proprietor (20001, 20409); one campaign per
//     brand (a generic 400/20001), one number in its service (21714), and a campaign
//     submitted before the brand is VERIFIED FAILED with 30991;
//   - use cases: a brand is offered (…/Usecases?BrandRegistrationSid) what its status,
//     type, OTP, company type (EMERGENCY for governments, CHARITY and POLITICAL for
//     nonprofits) and bundles allow, and a campaign of another is 21717;
//   - TrustHub: creates are never idempotent; a policy the emulator does not model, an
//     unknown end user or document type, attributes that are not a JSON object and an
//     object that is not the account's are 20001; a bundle changes content and is
//     submitted only while draft or twilio-rejected, and an object is assigned once
//     (20409);
//   - inbound routing: a number's URLs absolute (21502), an address configuration only
//     for a number of the account and only one per address (a generic 400/20001);
//   - parameter validation (20001, 20002, 21502, 21609, 21713).
//
// Brands and campaigns are vetted over time: PENDING → APPROVED, and PENDING →
// IN_PROGRESS → VERIFIED, after Delays measured on an injectable Clock and applied
// lazily when an object is read. So are the TrustHub bundles submitted through the API:
// pending-review → in-review → twilio-approved, or twilio-rejected when they did not
// comply with their policy when submitted (the failed requirements' codes) or when
// SetBundleReviewOutcome says so (18601 by default). Seeded bundles keep their status. A bundle's seeded brand outcome (FAILED, SUSPENDED…)
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
// The admin API under /__emulator/ (see admin.go) seeds, forces transitions, answers a
// sole proprietor's OTP, decides TrustHub reviews and the use cases a bundle's brands
// are offered, sets a number's routing, moves the clock, sets faults and quirks, and reads the request log, per-route counters (filterable by
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
