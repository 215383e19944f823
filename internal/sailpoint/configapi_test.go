package sailpoint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// operationCase is one operation of the client and the path it has on each API version.
type operationCase struct {
	name   string
	call   func(context.Context, *Client) error
	v1Path string // "" when the operation exists only in v3
	v3Path string
}

func ignore[T any](_ T, err error) error { return err }

// allOperations are the 14 operations: the seven configuration operations first.
var allOperations = []operationCase{
	{"GetOktaConfig", func(ctx context.Context, c *Client) error { return ignore(c.GetOktaConfig(ctx)) }, "/mfa/v1/okta-verify/config", "/v3/mfa/okta-verify/config"},
	{"SetOktaConfig", func(ctx context.Context, c *Client) error { return ignore(c.SetOktaConfig(ctx, testOktaConfig)) }, "/mfa/v1/okta-verify/config", "/v3/mfa/okta-verify/config"},
	{"GetDuoConfig", func(ctx context.Context, c *Client) error { return ignore(c.GetDuoConfig(ctx)) }, "/mfa/v1/duo-web/config", "/v3/mfa/duo-web/config"},
	{"SetDuoConfig", func(ctx context.Context, c *Client) error { return ignore(c.SetDuoConfig(ctx, testDuoConfig)) }, "/mfa/v1/duo-web/config", "/v3/mfa/duo-web/config"},
	{"TestConfig", func(ctx context.Context, c *Client) error { return ignore(c.TestConfig(ctx, MethodDuoWeb)) }, "/mfa/v1/duo-web/test", "/v3/mfa/duo-web/test"},
	{"GetKbaConfig", func(ctx context.Context, c *Client) error { return ignore(c.GetKbaConfig(ctx, true)) }, "/mfa/v1/kba/config", "/v3/mfa/kba/config"},
	{"SetKbaAnswers", func(ctx context.Context, c *Client) error { return ignore(c.SetKbaAnswers(ctx, nil)) }, "/mfa/v1/kba/config/answers", "/v3/mfa/kba/config/answers"},
	{"DeleteConfig", func(ctx context.Context, c *Client) error { return ignore(c.DeleteConfig(ctx, MethodOktaVerify)) }, "", "/v3/mfa/okta-verify/delete"},
	{"SendToken", func(ctx context.Context, c *Client) error { return ignore(c.SendToken(ctx, SendTokenRequest{})) }, "", "/v3/mfa/token/send"},
	{"PollVerification", func(ctx context.Context, c *Client) error {
		return ignore(c.PollVerification(ctx, MethodOktaVerify, VerificationPollRequest{}))
	}, "", "/v3/mfa/okta-verify/poll"},
	{"VerifyDuo", func(ctx context.Context, c *Client) error { return ignore(c.VerifyDuo(ctx, DuoVerificationRequest{})) }, "", "/v3/mfa/duo-web/verify"},
	{"AuthenticateKba", func(ctx context.Context, c *Client) error { return ignore(c.AuthenticateKba(ctx, nil)) }, "", "/v3/mfa/kba/authenticate"},
	{"VerifyOkta", func(ctx context.Context, c *Client) error {
		return ignore(c.VerifyOkta(ctx, OktaVerificationRequest{}, ""))
	}, "", "/v3/mfa/okta-verify/verify"},
	{"AuthenticateToken", func(ctx context.Context, c *Client) error {
		return ignore(c.AuthenticateToken(ctx, TokenAuthRequest{}))
	}, "", "/v3/mfa/token/authenticate"},
}

// okForEveryOperation answers 200 with a body each operation can decode.
func okForEveryOperation(w http.ResponseWriter, r *http.Request) {
	body := `{}`
	if strings.HasSuffix(r.URL.Path, "/kba/config") || strings.HasSuffix(r.URL.Path, "/answers") {
		body = `[]`
	}
	respond(http.StatusOK, body)(w, r)
}

func withConfigurationAPI(api ConfigurationAPI) func(*Options) {
	return func(o *Options) { o.ConfigurationAPI = api }
}

func TestEachConfigurationAPISendsTheSevenConfigurationOperationsToItsPathsAndTheRestToV3(t *testing.T) {
	for _, tc := range []struct {
		api     ConfigurationAPI
		v1      bool
		inUse   string
		comment string
	}{
		{ConfigurationAPIV1, true, APIVersionV1, "V1"},
		{ConfigurationAPIV3, false, APIVersionV3, "V3"},
		{"", true, APIVersionV1, "the default, Auto, before any 404"},
	} {
		t.Run(tc.comment, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(okForEveryOperation)
			c := newTestClient(t, ft, withConfigurationAPI(tc.api))
			if got := c.ConfigurationAPI(); got != tc.inUse {
				t.Errorf("ConfigurationAPI() = %q, want %q", got, tc.inUse)
			}
			for _, op := range allOperations {
				if err := op.call(t.Context(), c); err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
			}
			reqs := ft.requests()
			if len(reqs) != len(allOperations) {
				t.Fatalf("%d requests for %d operations", len(reqs), len(allOperations))
			}
			for i, op := range allOperations {
				want := op.v3Path
				if tc.v1 && op.v1Path != "" {
					want = op.v1Path
				}
				if reqs[i].escapedPath != want {
					t.Errorf("%s went to %s, want %s", op.name, reqs[i].escapedPath, want)
				}
				if got := IsConfigurationOperation(op.name); got != (op.v1Path != "") {
					t.Errorf("IsConfigurationOperation(%q) = %v", op.name, got)
				}
			}
			if q := reqs[5].rawQuery; q != "allLanguages=true" {
				t.Errorf("GetKbaConfig query = %q, want allLanguages=true on either API", q)
			}
		})
	}
}

// v1NotRolledOut answers 404 on every /mfa/v1 path, like a tenant without the v1 API.
func v1NotRolledOut(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/mfa/v1/") {
		respond(http.StatusNotFound, `{"detailCode":"404 Not found","messages":[]}`)(w, r)
		return
	}
	okForEveryOperation(w, r)
}

func TestAutoFallsBackToV3ForTheWholeClientAfterA404OnAV1PathAndSaysSoOnce(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(v1NotRolledOut)
	var mu sync.Mutex
	var fallbacks []string
	c := newTestClient(t, ft, withConfigurationAPI(ConfigurationAPIAuto), func(o *Options) {
		o.OnConfigurationAPIFallback = func(op string) {
			mu.Lock()
			defer mu.Unlock()
			fallbacks = append(fallbacks, op)
		}
	})

	if _, err := c.TestConfig(t.Context(), MethodOktaVerify); err != nil {
		t.Fatalf("the call that met the 404 must succeed on v3 at once: %v", err)
	}
	if got := c.ConfigurationAPI(); got != APIVersionV3 {
		t.Errorf("ConfigurationAPI() after the fallback = %q, want v3", got)
	}
	for _, op := range allOperations[:7] {
		if err := op.call(t.Context(), c); err != nil {
			t.Fatalf("%s after the fallback: %v", op.name, err)
		}
	}

	var paths []string
	for _, r := range ft.requests() {
		paths = append(paths, r.escapedPath)
	}
	if paths[0] != "/mfa/v1/okta-verify/test" || paths[1] != "/v3/mfa/okta-verify/test" {
		t.Errorf("first requests = %v, want the v1 test then the same call on v3", paths[:2])
	}
	for i, op := range allOperations[:7] {
		if got := paths[2+i]; got != op.v3Path {
			t.Errorf("%s after the fallback went to %s, want %s (no second try on v1)", op.name, got, op.v3Path)
		}
	}
	if len(paths) != 9 {
		t.Errorf("%d requests, want 9: %v", len(paths), paths)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fallbacks) != 1 || fallbacks[0] != "TestConfig" {
		t.Errorf("OnConfigurationAPIFallback calls = %v, want exactly [TestConfig]", fallbacks)
	}
}

func TestAutoFallsBackOnceWhenConcurrentCallsMeetThe404(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(v1NotRolledOut)
	var mu sync.Mutex
	calls := 0
	c := newTestClient(t, ft, withConfigurationAPI(ConfigurationAPIAuto), func(o *Options) {
		o.OnConfigurationAPIFallback = func(string) { mu.Lock(); calls++; mu.Unlock() }
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.GetOktaConfig(t.Context()); err != nil {
				t.Errorf("GetOktaConfig: %v", err)
			}
		})
	}
	wg.Wait()
	if calls != 1 {
		t.Errorf("OnConfigurationAPIFallback called %d times, want 1", calls)
	}
}

func TestV1NeverFallsBackAndReportsThe404(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(v1NotRolledOut)
	c := newTestClient(t, ft, withConfigurationAPI(ConfigurationAPIV1), func(o *Options) {
		o.OnConfigurationAPIFallback = func(string) { t.Error("V1 must not fall back") }
	})
	_, err := c.GetOktaConfig(t.Context())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("err = %v, want an *APIError with status 404", err)
	}
	if len(ft.requests()) != 1 || c.ConfigurationAPI() != APIVersionV1 {
		t.Errorf("requests = %d, ConfigurationAPI() = %q; want 1 and v1", len(ft.requests()), c.ConfigurationAPI())
	}
}

func TestAutoDoesNotFallBackOnA404OfAV3Path(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(respond(http.StatusNotFound, `{}`))
	c := newTestClient(t, ft, withConfigurationAPI(ConfigurationAPIAuto), func(o *Options) {
		o.OnConfigurationAPIFallback = func(string) { t.Error("a 404 on /v3 is no reason to fall back") }
	})
	if _, err := c.DeleteConfig(t.Context(), MethodOktaVerify); err == nil {
		t.Fatal("a 404 of DELETE must be an error")
	}
	if got := c.ConfigurationAPI(); got != APIVersionV1 {
		t.Errorf("ConfigurationAPI() = %q, want v1", got)
	}
}

func TestAnUnknownConfigurationAPIIsRefused(t *testing.T) {
	_, err := New(Options{BaseURL: "https://acme.api.identitynow.com", ClientID: "a", ClientSecret: "b", ConfigurationAPI: "v2"})
	if err == nil || !strings.Contains(err.Error(), "configuration API must be Auto, V1 or V3") {
		t.Fatalf("err = %v", err)
	}
}

// deprecatedCount reads sailpoint_api_deprecated_responses_total for the labels.
func deprecatedCount(t *testing.T, tenant, operation string) float64 {
	t.Helper()
	var m dto.Metric
	if err := deprecatedResponsesTotal.WithLabelValues(tenant, operation).Write(&m); err != nil {
		t.Fatalf("read counter: %v", err)
	}
	return m.GetCounter().GetValue()
}

func TestDeprecatedResponsesAreAllCountedAndReportedOncePerClient(t *testing.T) {
	ft := newFakeTenant(t)
	attempts := 0
	ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 { // one retried 500, deprecated too: every response counts
			respond(http.StatusInternalServerError, `{}`, "X-Deprecated", "true")(w, r)
			return
		}
		body := `{}`
		if strings.HasSuffix(r.URL.Path, "/kba/config") {
			body = `[]`
		}
		respond(http.StatusOK, body, "X-Deprecated", "True")(w, r)
	})
	var reported []string
	opts := func(o *Options) { o.OnDeprecated = func(op string) { reported = append(reported, op) } }
	c := newTestClient(t, ft, opts)
	tenant := "test/" + t.Name()

	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.GetKbaConfig(t.Context(), false); err != nil {
			t.Fatal(err)
		}
	}
	if got := deprecatedCount(t, tenant, "GetOktaConfig"); got != 2 {
		t.Errorf("GetOktaConfig deprecated responses = %v, want 2 (the 500 and the 200)", got)
	}
	if got := deprecatedCount(t, tenant, "GetKbaConfig"); got != 2 {
		t.Errorf("GetKbaConfig deprecated responses = %v, want 2", got)
	}
	if len(reported) != 1 || reported[0] != "GetOktaConfig" {
		t.Errorf("OnDeprecated calls = %v, want exactly [GetOktaConfig]", reported)
	}

	rebuilt := newTestClient(t, ft, opts)
	if _, err := rebuilt.GetKbaConfig(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if len(reported) != 2 || reported[1] != "GetKbaConfig" {
		t.Errorf("a rebuilt client must report again: OnDeprecated calls = %v", reported)
	}
}

func TestResponsesWithoutXDeprecatedTrueAreNotCounted(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(respond(http.StatusOK, `{}`, "X-Deprecated", "false"))
	c := newTestClient(t, ft, func(o *Options) { o.OnDeprecated = func(string) { t.Error("not deprecated") } })
	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := deprecatedCount(t, "test/"+t.Name(), "GetOktaConfig"); got != 0 {
		t.Errorf("counted %v", got)
	}
}
