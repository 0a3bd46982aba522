package twilioemu

import (
	"slices"
	"time"
)

// TrustHub review: evaluations on demand (…/Evaluations) and the review of a submitted
// bundle, pending-review → in-review → twilio-approved (or twilio-rejected), after
// Delays.BundleReview and Delays.BundleApproval, applied lazily when the bundle is read.

// defaultRejection is the error code of a bundle rejected in review without codes of
// its own: 18601, "The association between business name and website cannot be
// verified", the first of Twilio's customer profile rejection codes
// (https://www.twilio.com/en-us/changelog/introducing-error-codes-for-trust-hub-customer-profiles)
// and the spec's example (errors: [{"code": 18601}]).
const defaultRejection = 18601

var evaluationParams = []string{"PolicySid"}

// evaluationResource is trusthub.v1.customer_profile.customer_profile_evaluation and
// trusthub.v1.trust_product.trust_product_evaluation on the wire: the same but for the
// name of the bundle's SID.
type evaluationResource struct {
	Sid         string             `json:"sid"`
	AccountSid  string             `json:"account_sid"`
	PolicySid   string             `json:"policy_sid"`
	Status      string             `json:"status"`
	Results     []evaluationResult `json:"results"`
	DateCreated string             `json:"date_created"`
	URL         string             `json:"url"`
}

type customerProfileEvaluation struct {
	evaluationResource
	CustomerProfileSid string `json:"customer_profile_sid"`
}

type trustProductEvaluation struct {
	evaluationResource
	TrustProductSid string `json:"trust_product_sid"`
}

func (s *Server) evaluateCustomerProfile(r *request) response {
	return s.evaluateBundle(r, CustomerProfile, r.pathValue("CustomerProfileSid"))
}

func (s *Server) evaluateTrustProduct(r *request) response {
	return s.evaluateBundle(r, TrustProduct, r.pathValue("TrustProductSid"))
}

// evaluateBundle judges the bundle against its policy as it is now and answers 201 with
// the results, compliant or noncompliant, each requirement naming its valid and invalid
// fields (the spec's create and createCompliant… examples). PolicySid must be the
// bundle's own policy: the strict reading of "The unique string of a policy that is
// associated to the customer_profile resource" (400/20001 otherwise).
func (s *Server) evaluateBundle(r *request, kind BundleKind, sid string) response {
	f := r.form()
	f.require("PolicySid")
	policySid := f.sid("PolicySid", rnPattern, ErrInvalidParameter)
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.bundleRef(r.account, sid, kind)
	if err != nil {
		return fail(err)
	}
	p := policyOf(b.PolicySid)
	if *policySid != b.PolicySid || p == nil {
		return fail(invalid("PolicySid", *policySid).withf("PolicySid %s is not the policy of bundle %s (%s)",
			*policySid, b.Sid, b.PolicySid))
	}
	compliant, results, _ := s.st.evaluate(b, p)
	el := s.st.newSid("EL")
	res := evaluationResource{Sid: el, AccountSid: b.AccountSid, PolicySid: b.PolicySid, Status: "noncompliant",
		Results: results, DateCreated: v1Time(s.st.now()), URL: r.base() + collection(kind) + b.Sid + "/Evaluations/" + el}
	if compliant {
		res.Status = "compliant"
	}
	if kind == TrustProduct {
		return created(trustProductEvaluation{evaluationResource: res, TrustProductSid: b.Sid})
	}
	return created(customerProfileEvaluation{evaluationResource: res, CustomerProfileSid: b.Sid})
}

// submitBundle submits b for review: only a draft or twilio-rejected bundle (409/20409
// otherwise). "After submission, Twilio performs an evaluation of your request. If it
// complies, your Secondary Customer Profile state changes to in-review status. If it
// doesn't comply, Twilio rejects it and changes its status to twilio-rejected" (Twilio's
// "API: Create a Secondary Customer Profile"): the evaluation is made now, on what the
// bundle holds now, and its verdict is given when the review delay has passed.
// Callers hold mu.
func (st *store) submitBundle(b *Bundle) error {
	if b.Status != BundleDraft && b.Status != BundleTwilioRejected {
		return ErrConflict.withf("Bundle %s is %s: only a draft or twilio-rejected bundle can be submitted", b.Sid, b.Status)
	}
	var codes []int
	if p := policyOf(b.PolicySid); p != nil {
		_, _, codes = st.evaluate(b, p)
	}
	st.bundleVerdicts[b.Sid] = codes
	b.Status, b.Errors, b.SubmittedAt, b.ValidUntil = BundlePendingReview, nil, st.now(), time.Time{}
	return nil
}

// settleBundle moves a submitted bundle's review along: after Delays.BundleReview,
// twilio-rejected (with the failed requirements' codes) if it did not comply when
// submitted, else in-review; after Delays.BundleApproval more, its review outcome:
// twilio-approved, valid for a year, unless the bundle was set to be rejected. A seeded
// bundle (never submitted) keeps its status. Callers hold mu.
func (st *store) settleBundle(b *Bundle, now time.Time) {
	if b.SubmittedAt.IsZero() {
		return
	}
	reviewed := b.SubmittedAt.Add(st.delays.BundleReview)
	decided := reviewed.Add(st.delays.BundleApproval)
	switch {
	case b.Status == BundlePendingReview && !now.Before(reviewed):
		if codes := st.bundleVerdicts[b.Sid]; len(codes) > 0 {
			b.Status, b.Errors, b.DateUpdated = BundleTwilioRejected, slices.Clone(codes), reviewed
			return
		}
		b.Status, b.DateUpdated = BundleInReview, reviewed
		st.settleBundle(b, now)
	case b.Status == BundleInReview && !now.Before(decided):
		if b.ReviewOutcome == BundleTwilioRejected {
			b.Status, b.Errors, b.DateUpdated = BundleTwilioRejected, rejectionCodes(b.ReviewErrors), decided
			return
		}
		b.Status, b.Errors, b.ValidUntil, b.DateUpdated = BundleTwilioApproved, nil, decided.Add(bundleValidity), decided
	}
}

func rejectionCodes(codes []int) []int {
	if len(codes) == 0 {
		return []int{defaultRejection}
	}
	return slices.Clone(codes)
}

// SetBundleReviewOutcome decides what review makes of a bundle once it is submitted
// and compliant: twilio-approved (the default) or twilio-rejected with codes (18601 when
// none are given), as Twilio's reviewers would.
func (s *Server) SetBundleReviewOutcome(sid string, outcome BundleStatus, codes ...int) error {
	if outcome != BundleTwilioApproved && outcome != BundleTwilioRejected {
		return ErrInvalidSeed.withf("a review outcome is twilio-approved or twilio-rejected, not %q", outcome)
	}
	return s.withBundle(sid, func(b *Bundle) {
		b.ReviewOutcome, b.ReviewErrors = outcome, slices.Clone(codes)
		if outcome == BundleTwilioApproved {
			b.ReviewErrors = nil
		}
	})
}

// trustHub copies an account's TrustHub objects ("" for every account), oldest first.
// Callers hold mu.
func (st *store) trustHub(account string) TrustHub {
	mine := func(a string) bool { return account == "" || a == account }
	var th TrustHub
	now := st.now()
	for _, b := range sorted(st, st.bundles, func(b *Bundle) string { return b.Sid }, func(b *Bundle) bool { return mine(b.AccountSid) }) {
		st.settleBundle(st.bundles[b.Sid], now)
		th.Bundles = append(th.Bundles, st.bundles[b.Sid].clone())
	}
	for _, u := range sorted(st, st.endUsers, func(u *EndUser) string { return u.Sid }, func(u *EndUser) bool { return mine(u.AccountSid) }) {
		th.EndUsers = append(th.EndUsers, u.clone())
	}
	for _, d := range sorted(st, st.documents, func(d *SupportingDocument) string { return d.Sid },
		func(d *SupportingDocument) bool { return mine(d.AccountSid) }) {
		th.Documents = append(th.Documents, d.clone())
	}
	th.Addresses = sorted(st, st.addresses, func(a *Address) string { return a.Sid }, func(a *Address) bool { return mine(a.AccountSid) })
	th.Assignments = sorted(st, st.assignments, func(a *EntityAssignment) string { return a.Sid },
		func(a *EntityAssignment) bool { return mine(a.AccountSid) })
	return th
}

// TrustHub is an account's TrustHub objects and addresses ("" for every account).
func (s *Server) TrustHub(accountSid string) (TrustHub, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.trustHub(accountSid), nil
}
