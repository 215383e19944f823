package sailpoint

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesOptionsWithoutQuotingThem(t *testing.T) {
	valid := Options{BaseURL: "https://acme.api.identitynow.com", ClientID: "id", ClientSecret: "s3cr3t-value"}
	tests := []struct {
		name    string
		adjust  func(*Options)
		wantErr string // "" for success
	}{
		{"https base URL", func(*Options) {}, ""},
		{"trailing slash", func(o *Options) { o.BaseURL += "/" }, ""},
		{"http on localhost", func(o *Options) { o.BaseURL = "http://localhost:8080" }, ""},
		{"http on 127.0.0.1", func(o *Options) { o.BaseURL = "http://127.0.0.1:8080" }, ""},
		{"http on ::1", func(o *Options) { o.BaseURL = "http://[::1]:8080" }, ""},
		{"http elsewhere", func(o *Options) { o.BaseURL = "http://localhost.example.com" }, "must use https"},
		{"no scheme", func(o *Options) { o.BaseURL = "acme.api.identitynow.com" }, "absolute http(s) URL"},
		{"other scheme", func(o *Options) { o.BaseURL = "ftp://acme.api.identitynow.com" }, "absolute http(s) URL"},
		{"unparseable", func(o *Options) { o.BaseURL = "https://acme\x7f.com" }, "absolute http(s) URL"},
		{"empty", func(o *Options) { o.BaseURL = "" }, "absolute http(s) URL"},
		{"query", func(o *Options) { o.BaseURL = "https://acme.api.identitynow.com?key=s3cr3t-value" }, "must not have user info, a query"},
		{"user info", func(o *Options) { o.BaseURL = "https://user:s3cr3t-value@acme.api.identitynow.com" }, "must not have user info"},
		{"/v3 suffix", func(o *Options) { o.BaseURL = "https://acme.api.identitynow.com/v3" }, "must not end in /v3"},
		{"bad token URL", func(o *Options) { o.TokenURL = "http://evil.example.com/oauth/token" }, "token URL must use https"},
		{"missing client id", func(o *Options) { o.ClientID = "" }, "client id and client secret are required"},
		{"missing client secret", func(o *Options) { o.ClientSecret = "" }, "client id and client secret are required"},
		{"negative rate", func(o *Options) { o.RequestsPerSecond = -1 }, "must not be negative"},
		{"negative timeout", func(o *Options) { o.Timeout = -time.Second }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := valid
			tt.adjust(&opts)
			_, err := New(opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("New error = %v, want %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "s3cr3t-value"):
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	c, err := New(Options{BaseURL: "https://acme.api.identitynow.com/", ClientID: "id", ClientSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	checks := []struct {
		name      string
		got, want any
	}{
		{"base URL", c.baseURL, "https://acme.api.identitynow.com"},
		{"token URL", c.credentials.TokenURL, "https://acme.api.identitynow.com/oauth/token"},
		{"rate", float64(c.throttle.limiter.Limit()), 8.0},
		{"burst", c.throttle.limiter.Burst(), 8},
		{"timeout", c.timeout, 30 * time.Second},
		{"retries", c.maxRetries, 3},
		{"retry base", c.retryBase, 500 * time.Millisecond},
		{"retry max", c.retryMax, 10 * time.Second},
		{"tenant", c.httpClient.Transport.(*instrumentedTransport).tenant, "unknown"},
		{"user agent", c.httpClient.Transport.(*instrumentedTransport).userAgent, "sailpoint-mfa-operator/dev"},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
}

func TestNewRoundsTheBurstUpAndAcceptsNoRetries(t *testing.T) {
	c, err := New(Options{BaseURL: "https://acme.api.identitynow.com", ClientID: "id", ClientSecret: "secret",
		RequestsPerSecond: 2.5, MaxRetries: -1, TokenURL: "https://acme.login.example.com/oauth/token"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if c.throttle.limiter.Burst() != 3 || c.maxRetries != 0 || c.credentials.TokenURL != "https://acme.login.example.com/oauth/token" {
		t.Errorf("burst = %d, retries = %d, token URL = %s", c.throttle.limiter.Burst(), c.maxRetries, c.credentials.TokenURL)
	}
}

func TestMetricsCountEveryAttemptWithItsStatus(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 2 })
	tenant := "test/" + t.Name()

	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatal(err)
	}
	ft.setAPI(respond(http.StatusInternalServerError, body500))
	_, _ = c.GetOktaConfig(t.Context())
	ft.setAPI(respond(http.StatusTooManyRequests, body429))
	_, _ = c.SendToken(t.Context(), SendTokenRequest{UserAlias: "will.albin", DeliveryType: DeliveryEmailWork})

	checks := []struct {
		operation, code string
		want            float64
	}{
		{"Token", "200", 1},
		{"GetOktaConfig", "200", 1},
		{"GetOktaConfig", "500", 3},
		{"SendToken", "429", 1},
	}
	for _, check := range checks {
		if got := counterValue(t, tenant, check.operation, check.code); got != check.want {
			t.Errorf("requests_total{%s,%s} = %v, want %v", check.operation, check.code, got, check.want)
		}
	}
	if got := histogramCount(t, tenant, "GetOktaConfig"); got != 4 {
		t.Errorf("duration samples of GetOktaConfig = %d, want 4", got)
	}
}

func TestMetricsCountTransportErrorsAsError(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	})
	noKeepAlive := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c := newTestClient(t, ft, func(o *Options) { o.HTTPClient = noKeepAlive })

	_, _ = c.VerifyDuo(t.Context(), DuoVerificationRequest{UserID: "u", SignedResponse: secretSigned})

	if got := counterValue(t, "test/"+t.Name(), "VerifyDuo", "error"); got != 1 {
		t.Errorf(`requests_total{VerifyDuo,"error"} = %v, want 1`, got)
	}
}
