// Package sailpoint is a client for the SailPoint Identity Security Cloud MFA
// APIs (configuration and controller groups), with OAuth2 client-credentials
// authentication, a client-side rate limit, bounded retries of idempotent
// calls, typed errors and Prometheus metrics.
//
// SailPoint serves the seven configuration operations (Okta Verify and Duo
// Web config GET/PUT, KBA questions GET, KBA answers POST, config test GET)
// twice: under the per-service API /mfa/v1/... and under the legacy
// /v3/mfa/..., which stops working in Q1 2029. Options.ConfigurationAPI
// chooses between them. DELETE and the six controller operations exist only
// in v3 and always use /v3/mfa/....
package sailpoint

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Version is the operator version in the default User-Agent, set with
// -ldflags "-X github.com/identityops/sailpoint-mfa-operator/internal/sailpoint.Version=...".
var Version = "dev"

// Defaults of Options.
const (
	DefaultRequestsPerSecond = 8
	DefaultTimeout           = 30 * time.Second
	DefaultMaxRetries        = 3
	DefaultRetryBaseDelay    = 500 * time.Millisecond
	DefaultRetryMaxDelay     = 10 * time.Second
	DefaultTenant            = "unknown"
)

// ConfigurationAPI selects the API of the seven configuration operations.
// The values are those of SailPointTenant spec.configurationAPI.
type ConfigurationAPI string

// Configuration APIs. The zero value means ConfigurationAPIAuto.
const (
	// ConfigurationAPIAuto calls /mfa/v1/...; after SailPoint answered 404 on
	// a /mfa/v1 path, the client calls /v3/mfa/... for all seven operations
	// until it is rebuilt.
	ConfigurationAPIAuto ConfigurationAPI = "Auto"
	// ConfigurationAPIV1 calls only /mfa/v1/..., the per-service API.
	ConfigurationAPIV1 ConfigurationAPI = "V1"
	// ConfigurationAPIV3 calls only /v3/mfa/..., the legacy API.
	ConfigurationAPIV3 ConfigurationAPI = "V3"
)

// API versions in use, as Client.ConfigurationAPI reports them.
const (
	APIVersionV1 = "v1"
	APIVersionV3 = "v3"
)

// Options configure a Client. Zero values select the defaults.
type Options struct {
	// BaseURL is the tenant's API URL without /v3, e.g.
	// https://acme.api.identitynow.com. It must be https, except for the
	// hosts localhost, 127.0.0.1 and ::1.
	BaseURL string
	// TokenURL is the OAuth2 token endpoint; default BaseURL + "/oauth/token".
	TokenURL string
	// ClientID and ClientSecret are a personal access token's credentials.
	ClientID     string
	ClientSecret string
	// RequestsPerSecond is the client-side limit of all requests, token
	// requests included; default 8. The burst is ceil(RequestsPerSecond).
	// Clients of the same BaseURL and ClientID share one limiter, at the
	// lowest RequestsPerSecond among them.
	RequestsPerSecond float64
	// Timeout bounds each attempt, from sending to reading the body; default 30s.
	// An attempt that times out is not retried: it holds the client (see Client).
	// Keep it below the caller's own deadline for a call.
	Timeout time.Duration
	// MaxRetries is how often an idempotent call is retried within the call
	// after a 5xx; default 3, negative for none. Network errors and timeouts
	// are not retried within the call: they hold the client (see Client).
	MaxRetries int
	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff with
	// jitter between retries; defaults 500ms and 10s.
	RetryBaseDelay, RetryMaxDelay time.Duration
	// HTTPClient is the base HTTP client; default one with the transport
	// all such clients share (see sharedTransport). Its Timeout should be zero, Options.Timeout applies.
	HTTPClient *http.Client
	// UserAgent defaults to "sailpoint-mfa-operator/" + Version.
	UserAgent string
	// Tenant is the metric label, namespace/name of the SailPointTenant; default "unknown".
	Tenant string
	// Throttles is the registry in which clients of the same BaseURL and
	// ClientID find their shared limiter and hold; default one for the
	// whole process. Tests give each test its own.
	Throttles *Throttles

	// ConfigurationAPI chooses the paths of the seven configuration
	// operations: Auto (the default), V1 or V3; see ConfigurationAPIAuto.
	ConfigurationAPI ConfigurationAPI
	// OnConfigurationAPIFallback, if set, is called once in the client's
	// life, with the operation name (e.g. "GetOktaConfig"), when Auto
	// switches to v3 after a 404 on a /mfa/v1 path. It runs on the calling
	// goroutine just before that call is retried on v3, so it must be quick
	// and must not call the client.
	OnConfigurationAPIFallback func(operation string)
	// OnDeprecated, if set, is called once in the client's life, with the
	// operation name, for the first response that carries X-Deprecated: true
	// (SailPoint's signal that the endpoint will be retired). Every such
	// response is counted in sailpoint_api_deprecated_responses_total
	// whether or not OnDeprecated is set. Same rules as
	// OnConfigurationAPIFallback; IsConfigurationOperation tells whether
	// moving to the v1 API is the way out for the operation.
	OnDeprecated func(operation string)
}

// Client calls the v3 MFA APIs of one tenant. It is safe for concurrent use
// and meant to be reused: it caches the access token. Call Close when it is
// no longer used.
//
// The unit of throttling is SailPoint's: one client id at one tenant.
// Clients built with the same BaseURL (normalized, see NormalizeBaseURL) and
// ClientID share one rate limiter and one hold, however many
// SailPointTenants they serve:
//
//   - After a 429, from an API or the token endpoint, nothing at all is sent
//     through these clients until its Retry-After has passed (seconds or
//     HTTP date; at least MinRateLimitHold when missing or unreadable).
//   - After a timeout or a refused or reset connection, nothing is sent for
//     UnreachableHoldBase, doubling with each consecutive failure up to
//     UnreachableHoldMax, plus up to 10 % jitter. When that has passed, one
//     request (the probe) goes out at a time until one gets an answer; any
//     answer ends the hold.
//
// Calls made during a hold fail at once, without a network call, with a
// *HoldError that matches ErrRateLimited or ErrUnreachable and whose time
// left RetryAfter returns; they are counted in
// sailpoint_api_held_requests_total. The call that began the hold returns
// its own error wrapped in a *HoldError too. No call waits for a hold to
// pass, and no retry continues through one.
type Client struct {
	baseURL     string
	credentials *clientcredentials.Config
	httpClient  *http.Client
	tenant      string // metric label
	rps         float64
	throttles   *Throttles
	throttle    *throttle // shared with the clients of the same base URL and client id
	closeOnce   sync.Once
	timeout     time.Duration
	maxRetries  int
	retryBase   time.Duration
	retryMax    time.Duration
	tokens      *tokenCache
	now         func() time.Time

	configAPI      ConfigurationAPI
	useV3          atomic.Bool // the configuration operations use /v3/mfa
	onFallback     func(operation string)
	onDeprecated   func(operation string)
	deprecatedOnce sync.Once
}

// New checks opts and builds a Client. It makes no network call. The
// client joins the throttle of its base URL and client id; Close leaves it.
func New(opts Options) (*Client, error) {
	opts, err := opts.complete()
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL: opts.BaseURL,
		credentials: &clientcredentials.Config{
			ClientID:     opts.ClientID,
			ClientSecret: opts.ClientSecret,
			TokenURL:     opts.TokenURL,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		httpClient:   instrumentedClient(opts.HTTPClient, opts.Tenant, opts.UserAgent),
		tenant:       opts.Tenant,
		rps:          opts.RequestsPerSecond,
		throttles:    opts.Throttles,
		timeout:      opts.Timeout,
		maxRetries:   max(opts.MaxRetries, 0),
		retryBase:    opts.RetryBaseDelay,
		retryMax:     opts.RetryMaxDelay,
		tokens:       newTokenCache(),
		now:          time.Now,
		configAPI:    opts.ConfigurationAPI,
		onFallback:   opts.OnConfigurationAPIFallback,
		onDeprecated: opts.OnDeprecated,
	}
	c.useV3.Store(opts.ConfigurationAPI == ConfigurationAPIV3)
	c.throttle = c.throttles.acquire(c.throttleKey(), c.rps, c.now())
	return c, nil
}

// throttleKey is what SailPoint counts its limit against.
func (c *Client) throttleKey() throttleKey {
	return throttleKey{baseURL: NormalizeBaseURL(c.baseURL), clientID: c.credentials.ClientID}
}

// Close leaves the shared throttle (which is forgotten once no client uses
// it and its hold has passed, so a client built again for the same
// credentials still honours a hold) and closes the idle connections of a
// transport of its own (see sharedTransport). Call it
// once the client is replaced or its tenant is gone; calling it again does
// nothing. A closed client still works, but no longer lowers the shared
// limit to its RequestsPerSecond.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		c.throttles.release(c.throttle, c.rps, c.now())
		c.httpClient.CloseIdleConnections()
	})
}

// ConfigurationAPI reports the API the configuration operations use now:
// APIVersionV1 ("v1", /mfa/v1/...) or APIVersionV3 ("v3", /v3/mfa/...). With
// ConfigurationAPIAuto it is v1 until a fallback, then v3.
func (c *Client) ConfigurationAPI() string {
	if c.useV3.Load() {
		return APIVersionV3
	}
	return APIVersionV1
}

// complete validates o and fills in the defaults.
func (o Options) complete() (Options, error) {
	var err error
	if o.BaseURL, err = checkURL("base URL", o.BaseURL); err != nil {
		return o, err
	}
	if strings.HasSuffix(o.BaseURL, "/v3") {
		return o, errors.New("sailpoint: base URL must not end in /v3; the client adds it")
	}
	if o.TokenURL == "" {
		o.TokenURL = o.BaseURL + "/oauth/token"
	} else if o.TokenURL, err = checkURL("token URL", o.TokenURL); err != nil {
		return o, err
	}
	if o.ClientID == "" || o.ClientSecret == "" {
		return o, errors.New("sailpoint: client id and client secret are required")
	}
	if o.RequestsPerSecond < 0 || o.Timeout < 0 || o.RetryBaseDelay < 0 || o.RetryMaxDelay < 0 {
		return o, errors.New("sailpoint: requests per second, timeout and retry delays must not be negative")
	}
	o.RequestsPerSecond = orDefault(o.RequestsPerSecond, DefaultRequestsPerSecond)
	o.Timeout = orDefault(o.Timeout, DefaultTimeout)
	o.MaxRetries = orDefault(o.MaxRetries, DefaultMaxRetries)
	o.RetryBaseDelay = orDefault(o.RetryBaseDelay, DefaultRetryBaseDelay)
	o.RetryMaxDelay = max(orDefault(o.RetryMaxDelay, DefaultRetryMaxDelay), o.RetryBaseDelay)
	o.UserAgent = orDefault(o.UserAgent, "sailpoint-mfa-operator/"+Version)
	o.Tenant = orDefault(o.Tenant, DefaultTenant)
	o.Throttles = orDefault(o.Throttles, sharedThrottles)
	o.ConfigurationAPI = orDefault(o.ConfigurationAPI, ConfigurationAPIAuto)
	if !slices.Contains([]ConfigurationAPI{ConfigurationAPIAuto, ConfigurationAPIV1, ConfigurationAPIV3}, o.ConfigurationAPI) {
		return o, errors.New("sailpoint: configuration API must be Auto, V1 or V3")
	}
	return o, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// loopbackHosts may be reached over plain http (the emulator).
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// checkURL returns raw without a trailing slash if it is an absolute https
// URL (or http on a loopback host) without user info, query or fragment.
// Its errors do not quote the URL.
func checkURL(name, raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "", fmt.Errorf("sailpoint: %s must be an absolute http(s) URL", name)
	case u.Scheme == "http" && !slices.Contains(loopbackHosts, u.Hostname()):
		return "", fmt.Errorf("sailpoint: %s must use https (http only for localhost, 127.0.0.1 and ::1)", name)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("sailpoint: %s must not have user info, a query or a fragment", name)
	}
	return strings.TrimRight(raw, "/"), nil
}

// instrumentedClient copies base (or a default client) with a transport that
// sets the User-Agent and records metrics.
func instrumentedClient(base *http.Client, tenant, userAgent string) *http.Client {
	var client http.Client
	if base != nil {
		client = *base
	}
	transport := client.Transport
	if transport == nil {
		transport = defaultTransport()
	}
	client.Transport = &instrumentedTransport{base: transport, tenant: tenant, userAgent: userAgent}
	return &client
}

// sharedTransport is the HTTP transport of every client built without an
// HTTPClient: a clone of http.DefaultTransport (dial timeout 30s, TLS
// handshake timeout 10s, idle connections closed after 90s). One transport
// for all tenants bounds the idle connections of the whole process
// (maxIdleConns, the least recently used closed first) however many tenants
// there are, where one transport per client kept at least one idle
// connection, two goroutines and 8 KiB of buffers per tenant between
// reconciles minutes apart. Tokens, limits and holds stay per client: only
// connections are pooled, and only to the same host. Options.Timeout bounds
// each attempt.
var sharedTransport = newSharedTransport()

const (
	maxIdleConns        = 64
	maxIdleConnsPerHost = 8
)

func newSharedTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return t
}

func defaultTransport() http.RoundTripper { return sharedTransport }
