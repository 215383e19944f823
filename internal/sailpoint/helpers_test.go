package sailpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

const (
	testClientID     = "test-client-id-5f3a1c"
	testClientSecret = "test-client-secret-9c1e7d42"
	testIdentityID   = "2c9180835d2e5168015d32f890ca1581"
)

// recordedRequest is an API request the fake tenant received.
type recordedRequest struct {
	method      string
	escapedPath string
	rawQuery    string
	header      http.Header
	body        []byte
}

// fakeTenant is an httptest SailPoint tenant: a token endpoint that checks
// the client credentials, and API paths answered by api.
type fakeTenant struct {
	t      *testing.T
	server *httptest.Server

	mu          sync.Mutex
	expiresIn   int              // expires_in of issued tokens; 0 leaves it out
	tokenFail   http.HandlerFunc // when set, answers token requests instead
	api         http.HandlerFunc // answers /v3/... and /mfa/v1/... requests
	tokens      []string         // issued tokens, oldest first
	apiRequests []recordedRequest
}

func newFakeTenant(t *testing.T) *fakeTenant {
	t.Helper()
	ft := &fakeTenant{t: t, expiresIn: 749, api: respond(http.StatusOK, `{}`)}
	ft.server = httptest.NewServer(http.HandlerFunc(ft.serveHTTP))
	t.Cleanup(ft.server.Close)
	return ft
}

func (ft *fakeTenant) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth/token":
		ft.serveToken(w, r)
	case strings.HasPrefix(r.URL.Path, "/v3/"), strings.HasPrefix(r.URL.Path, "/mfa/v1/"):
		ft.serveAPI(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (ft *fakeTenant) serveToken(w http.ResponseWriter, r *http.Request) {
	ft.mu.Lock()
	fail := ft.tokenFail
	ft.mu.Unlock()
	if fail != nil {
		ft.mu.Lock()
		ft.tokens = append(ft.tokens, "") // count the request
		ft.mu.Unlock()
		fail(w, r)
		return
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost ||
		r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != testClientID || r.PostForm.Get("client_secret") != testClientSecret ||
		r.Header.Get("Authorization") != "" || strings.HasPrefix(r.Header.Get("User-Agent"), "Go-http-client") {
		ft.t.Errorf("unexpected token request: %s form=%v header=%v", r.Method, r.PostForm, r.Header)
		respond(http.StatusUnauthorized, `{"error":"invalid_client","error_description":"Bad credentials"}`)(w, r)
		return
	}
	ft.mu.Lock()
	token := fmt.Sprintf("access-token-%d-8d2f", len(ft.tokens)+1)
	ft.tokens = append(ft.tokens, token)
	resp := map[string]any{
		"access_token": token, "token_type": "bearer", "scope": "sp:scopes:all",
		"tenant_id": "3b5f4ff3-ea6b-4a43-a6fd-dc5ba1b3d4e0", "identity_id": testIdentityID, "jti": "f2b5a6b8",
	}
	if ft.expiresIn > 0 {
		resp["expires_in"] = ft.expiresIn
	}
	ft.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (ft *fakeTenant) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	ft.mu.Lock()
	ft.apiRequests = append(ft.apiRequests, recordedRequest{
		method: r.Method, escapedPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery,
		header: r.Header.Clone(), body: body,
	})
	api := ft.api
	ft.mu.Unlock()
	api(w, r)
}

func (ft *fakeTenant) setAPI(h http.HandlerFunc) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.api = h
}

func (ft *fakeTenant) setTokenFailure(h http.HandlerFunc) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.tokenFail = h
}

func (ft *fakeTenant) tokenRequests() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return len(ft.tokens)
}

func (ft *fakeTenant) issuedToken(i int) string {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.tokens[i]
}

func (ft *fakeTenant) requests() []recordedRequest {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return append([]recordedRequest(nil), ft.apiRequests...)
}

// newTestClient returns a client of ft with fast retries and a high rate
// limit, on the v3 API unless adjust says otherwise; adjust changes the
// options first.
func newTestClient(t *testing.T, ft *fakeTenant, adjust ...func(*Options)) *Client {
	t.Helper()
	opts := Options{
		BaseURL:           ft.server.URL,
		ClientID:          testClientID,
		ClientSecret:      testClientSecret,
		RequestsPerSecond: 10000,
		Timeout:           2 * time.Second,
		RetryBaseDelay:    time.Millisecond,
		RetryMaxDelay:     2 * time.Millisecond,
		HTTPClient:        ft.server.Client(),
		Tenant:            "test/" + t.Name(),
		Throttles:         NewThrottles(), // a hold of an earlier test on the same port stays there
		ConfigurationAPI:  ConfigurationAPIV3,
	}
	for _, f := range adjust {
		f(&opts)
	}
	ForgetTenant(opts.Tenant) // counters start at zero, also with -count
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// respond answers with status and a JSON body; headers are name, value pairs.
func respond(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// assertJSONEqual compares two JSON documents by value.
func assertJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s, want %s", got, want)
	}
}

// fakeClock is a settable clock for token expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (fc *fakeClock) Now() time.Time {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.now
}

func (fc *fakeClock) Advance(d time.Duration) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.now = fc.now.Add(d)
}

// useFakeClock makes c read time from a fake clock starting now.
func useFakeClock(c *Client) *fakeClock {
	fc := &fakeClock{now: time.Now()}
	c.now = fc.Now
	return fc
}

// counterValue reads sailpoint_api_requests_total for the labels.
func counterValue(t *testing.T, tenant, operation, code string) float64 {
	t.Helper()
	var m dto.Metric
	if err := requestsTotal.WithLabelValues(tenant, operation, code).Write(&m); err != nil {
		t.Fatalf("read counter: %v", err)
	}
	return m.GetCounter().GetValue()
}

// histogramCount reads the sample count of sailpoint_api_request_duration_seconds.
func histogramCount(t *testing.T, tenant, operation string) uint64 {
	t.Helper()
	var m dto.Metric
	observer := requestDuration.WithLabelValues(tenant, operation)
	if err := observer.(interface{ Write(*dto.Metric) error }).Write(&m); err != nil {
		t.Fatalf("read histogram: %v", err)
	}
	return m.GetHistogram().GetSampleCount()
}

// endpointCall is one of the 14 endpoints, called with example arguments
// that include secret values.
type endpointCall struct {
	name  string
	retry bool // idempotent: retried after 5xx and network errors
	call  func(context.Context, *Client) (any, error)
}

// Secret values used in requests; no error may contain them.
const (
	secretAccessKey = "qw123Y3QlA5UqocYpdU3rEkzrK2D497y"
	secretIKey      = "Q123WE45R6TY7890ZXCV"
	secretSKey      = "qwERttyZx1CdlQye2Vwtbsjr3HKddy4BAiCXjc5x"
	secretAnswer    = "822cd15d6c15aa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0859a2fea34"
	secretAnswer2   = "my first pet was Rex"
	secretOTP       = "731904"
	secretSigned    = "AUTH|d2lsbC5hbGJpbnxESTZNMFpHSThKQVRWTVpZN0M5VXwxNzAxMjUzMDg5|f1f5f8ced5b340f3d303b05d0efa0e43b6a8f970:APP|d2lsbC5hbGJpbnxESTZNMFpHSThKQVRWTVpZN0M5VXwxNzAxMjU2NjE5|cb44cf44353f5127edcae31b1da0355f87357db2"
)

var secretValues = []string{testClientSecret, testClientID, secretAccessKey, secretIKey, secretSKey, secretAnswer, secretAnswer2, secretOTP, secretSigned}

var testOktaConfig = MfaOktaConfig{
	MfaMethod: "okta-verify", Enabled: true, Host: "example.com", AccessKey: secretAccessKey, IdentityAttribute: "email",
}

var testDuoConfig = MfaDuoConfig{
	MfaMethod: "duo-web", Enabled: false, Host: "api-0a1b2c3d.duosecurity.com", AccessKey: secretAccessKey,
	IdentityAttribute: "email", ConfigProperties: map[string]any{"ikey": secretIKey, "skey": secretSKey},
}

var testAnswers = []KbaAnswerRequestItem{{ID: "173423", Answer: secretAnswer}, {ID: "c54fee53-2d63-4fc5-9259-3e93b9994135", Answer: secretAnswer2}}

// allEndpoints lists the 14 endpoints.
var allEndpoints = []endpointCall{
	{"GetOktaConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.GetOktaConfig(ctx) }},
	{"SetOktaConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.SetOktaConfig(ctx, testOktaConfig) }},
	{"GetDuoConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.GetDuoConfig(ctx) }},
	{"SetDuoConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.SetDuoConfig(ctx, testDuoConfig) }},
	{"DeleteConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.DeleteConfig(ctx, MethodDuoWeb) }},
	{"TestConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.TestConfig(ctx, MethodOktaVerify) }},
	{"GetKbaConfig", true, func(ctx context.Context, c *Client) (any, error) { return c.GetKbaConfig(ctx, true) }},
	{"SetKbaAnswers", true, func(ctx context.Context, c *Client) (any, error) { return c.SetKbaAnswers(ctx, testAnswers) }},
	{"SendToken", false, func(ctx context.Context, c *Client) (any, error) {
		return c.SendToken(ctx, SendTokenRequest{UserAlias: "will.albin", DeliveryType: DeliveryEmailWork})
	}},
	{"PollVerification", false, func(ctx context.Context, c *Client) (any, error) {
		return c.PollVerification(ctx, MethodOktaVerify, VerificationPollRequest{RequestID: "089899f13a8f4da7824996191587bab9"})
	}},
	{"VerifyDuo", false, func(ctx context.Context, c *Client) (any, error) {
		return c.VerifyDuo(ctx, DuoVerificationRequest{UserID: "2c9180947f0ef465017f215cbcfd004b", SignedResponse: secretSigned})
	}},
	{"AuthenticateKba", false, func(ctx context.Context, c *Client) (any, error) { return c.AuthenticateKba(ctx, testAnswers) }},
	{"VerifyOkta", false, func(ctx context.Context, c *Client) (any, error) {
		return c.VerifyOkta(ctx, OktaVerificationRequest{UserID: "example@mail.com"}, "203.0.113.7")
	}},
	{"AuthenticateToken", false, func(ctx context.Context, c *Client) (any, error) {
		return c.AuthenticateToken(ctx, TokenAuthRequest{Token: secretOTP, UserAlias: "will.albin", DeliveryType: DeliveryEmailWork})
	}},
}

// assertNoSecrets fails if the error text holds a secret or an issued token.
func assertNoSecrets(t *testing.T, ft *fakeTenant, err error) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error()
	ft.mu.Lock()
	forbidden := append(append([]string(nil), secretValues...), ft.tokens...)
	ft.mu.Unlock()
	for _, s := range forbidden {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error %q contains the secret %q", text, s)
		}
	}
}
