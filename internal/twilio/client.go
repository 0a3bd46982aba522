package twilio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	twclient "github.com/twilio/twilio-go/client"
	apiv2010 "github.com/twilio/twilio-go/rest/api/v2010"
	conversationsv1 "github.com/twilio/twilio-go/rest/conversations/v1"
	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
	trusthubv1 "github.com/twilio/twilio-go/rest/trusthub/v1"
)

// Credentials authenticate as one Twilio account, with its auth token or an API key.
type Credentials struct {
	AccountSID string
	AuthToken  string
	APIKey     string
	APISecret  string
}

// String names the account and never a secret, so credentials are safe in any log.
func (c Credentials) String() string { return "credentials of " + c.AccountSID }

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeyPattern     = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	// Twilio's auth tokens and API secrets are alphanumeric; twilio-go refuses anything
	// else before sending (21222/21224), so it is reported here, naming the key.
	secretPattern = regexp.MustCompile(`^[0-9a-zA-Z]*$`)
)

// Validate checks the shape of the credentials; messages name keys, never values.
func (c Credentials) Validate() error {
	switch {
	case !accountSIDPattern.MatchString(c.AccountSID):
		return fmt.Errorf("the account SID must be AC followed by 32 hex digits")
	case c.APIKey != "" && !apiKeyPattern.MatchString(c.APIKey):
		return fmt.Errorf("the API key must be SK followed by 32 hex digits")
	case c.APIKey != "" && c.APISecret == "":
		return fmt.Errorf("an API key needs its API secret")
	case c.APIKey == "" && c.AuthToken == "":
		return fmt.Errorf("either an auth token or an API key and secret is needed")
	case !secretPattern.MatchString(c.AuthToken):
		return fmt.Errorf("the auth token must be alphanumeric")
	case !secretPattern.MatchString(c.APISecret):
		return fmt.Errorf("the API secret must be alphanumeric")
	}
	return nil
}

// Config configures a Connector.
type Config struct {
	// BaseURL, when set, receives every request instead of the real Twilio hosts
	// (--twilio-api-url).
	BaseURL string
	// Limits apply per account, to all clients of the Connector together.
	Limits Limits
	// Timeout bounds one request. Default 30s.
	Timeout time.Duration
	// UserAgent is added to twilio-go's User-Agent, e.g. "twilio-operator/v0.1.0 (pod)".
	UserAgent string
	// Transport sends the requests; default is a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Registerer receives the request metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
}

// Connector hands out Clients. It owns what all clients of an account share: one limiter
// per account, the HTTP connection pool and the metrics.
type Connector struct {
	baseURL   *url.URL
	transport http.RoundTripper
	timeout   time.Duration
	userAgent []string
	limits    Limits
	metrics   *metrics

	mu       sync.Mutex
	accounts map[string]*account
}

// account is what all clients of one Twilio account share.
type account struct {
	limiter *accountLimiter
	clock   *twilioClock
}

// NewConnector returns a Connector for cfg.
func NewConnector(cfg Config) (*Connector, error) {
	c := &Connector{
		transport: cfg.Transport,
		timeout:   cfg.Timeout,
		limits:    cfg.Limits.withDefaults(),
		metrics:   newMetrics(cfg.Registerer),
		accounts:  map[string]*account{},
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("twilio API URL must be an absolute http or https URL")
		}
		c.baseURL = u
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Keep a connection per allowed in-flight request instead of the default 2, so
		// bursts reuse connections instead of opening new ones.
		t.MaxIdleConnsPerHost = c.limits.MaxConcurrency
		c.transport = t
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if cfg.UserAgent != "" {
		c.userAgent = []string{cfg.UserAgent}
	}
	return c, nil
}

// Client returns a client acting with creds. It is cheap: clients are not cached.
func (c *Connector) Client(creds Credentials) (Client, error) {
	if err := creds.Validate(); err != nil {
		return nil, &Error{Class: ClassAuth, Op: "credentials", Message: err.Error()}
	}
	c.mu.Lock()
	acct, ok := c.accounts[creds.AccountSID]
	if !ok {
		acct = &account{limiter: newAccountLimiter(c.limits), clock: &twilioClock{}}
		c.accounts[creds.AccountSID] = acct
	}
	c.mu.Unlock()
	return &apiClient{conn: c, creds: creds, limiter: acct.limiter, clock: acct.clock}, nil
}

// apiClient implements Client on twilio-go for one account.
type apiClient struct {
	conn    *Connector
	creds   Credentials
	limiter *accountLimiter
	clock   *twilioClock
}

var _ Client = (*apiClient)(nil)

func (a *apiClient) AccountSID() string { return a.creds.AccountSID }

// admissionRetry is how soon a sync that was not admitted, and cannot be woken, tries
// again: soon enough that an account's objects keep its window busy, spread so they do
// not come back together.
const admissionRetry = 200 * time.Millisecond

// admissionBackstop is how soon a sync waiting in line tries again if it has not been
// woken by then: in case the sync woken for a free place did not take it (its object
// was deleted or paused meanwhile), so that the place is not left empty for long.
const admissionBackstop = 10 * time.Second

func (a *apiClient) Admit(key string, wake func()) (func(), time.Duration, bool) {
	release, ok := a.limiter.admitted.admit(a.limiter.inflight.current(), key, wake)
	if !ok {
		retry := admissionRetry
		if wake != nil {
			retry = admissionBackstop
		}
		return nil, retry/2 + time.Duration(rand.Int64N(int64(retry))), false //nolint:gosec // jitter
	}
	return release, 0, true
}

// rest returns a twilio-go client whose requests carry ctx. twilio-go has no context
// parameters, so each call gets its own small client; the connection pool is shared.
func (a *apiClient) rest(ctx context.Context) *twclient.Client {
	user, pass := a.creds.AccountSID, a.creds.AuthToken
	if a.creds.APIKey != "" {
		user, pass = a.creds.APIKey, a.creds.APISecret
	}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(user, pass),
		HTTPClient: &http.Client{
			Transport: &callTransport{ctx: ctx, base: a.conn.transport, baseURL: a.conn.baseURL,
				limiter: a.limiter, clock: a.clock, metrics: a.conn.metrics},
			Timeout:       a.conn.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		UserAgentExtensions: a.conn.userAgent,
	}
	c.SetAccountSid(a.creds.AccountSID)
	return c
}

func (a *apiClient) messaging(ctx context.Context) *messagingv1.ApiService {
	return messagingv1.NewApiServiceWithClient(a.rest(ctx))
}

func (a *apiClient) api(ctx context.Context) *apiv2010.ApiService {
	return apiv2010.NewApiServiceWithClient(a.rest(ctx))
}

func (a *apiClient) conversations(ctx context.Context) *conversationsv1.ApiService {
	return conversationsv1.NewApiServiceWithClient(a.rest(ctx))
}

func (a *apiClient) trusthub(ctx context.Context) *trusthubv1.ApiService {
	return trusthubv1.NewApiServiceWithClient(a.rest(ctx))
}

// maxPageSize is Twilio's largest page; lists are read to the end in as few requests as
// possible.
const maxPageSize = 1000

// maxConversationsPageSize is the Conversations API's largest page ("The default is 50,
// and the maximum is 50").
const maxConversationsPageSize = 50

// seg escapes a value that twilio-go puts into a request path. twilio-go substitutes
// path parameters unescaped, so a "/" would add a segment and a "?" or "#" cut the path
// short; escaped, a value is always exactly one segment. (The controllers check SIDs
// against their pattern first; this is the second line.)
func seg(v string) string { return url.PathEscape(v) }
