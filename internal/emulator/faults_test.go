package emulator

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestRateLimitFaultAnswers429WithRetryAfterThenRecovers(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{RateLimit: 2, RetryAfter: 1500 * time.Millisecond})
	for i := 0; i < 2; i++ {
		r := h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil)
		expectStatus(t, r, http.StatusTooManyRequests)
		if got := r.header.Get("Retry-After"); got != "2" {
			t.Errorf("Retry-After = %q, want 2 (rounded up)", got)
		}
		if got := r.object(t)["message"]; got != " Rate Limit Exceeded " {
			t.Errorf("message = %q", got)
		}
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
	if n := h.e.CountRequests(http.MethodGet, "/v3/mfa/kba/config"); n != 3 {
		t.Errorf("CountRequests = %d, want 3", n)
	}
}

func TestServerErrorFaultAnswers500ErrorResponseDto(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{ServerErrors: 1})
	m := expectErrorDto(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), 500, "500.0 Internal Fault")
	if msgs := m["messages"].([]any); msgs[0].(map[string]any)["text"] != "An internal fault occurred." {
		t.Errorf("messages = %v", msgs)
	}
	if _, stored := h.e.StoredOktaConfig(); stored {
		t.Error("a faulted PUT stored its config")
	}
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
}

func TestFaultsApplyToAPIRequestsOnlyUnlessAPathPrefixSaysOtherwise(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()

	h.e.SetFaults(Faults{ServerErrors: 1})
	h.token(DefaultAdminClientID, DefaultAdminClientSecret) // the token endpoint is not faulted
	expectStatus(t, h.send(http.MethodGet, "/admin/requests", "", nil), http.StatusOK)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusInternalServerError)

	h.e.SetFaults(Faults{RateLimit: 1, PathPrefix: "/v3/mfa/okta-verify"})
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/duo-web/config", tok, nil), http.StatusOK)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusTooManyRequests)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)

	h.e.SetFaults(Faults{ServerErrors: 1, PathPrefix: "/oauth/token"})
	r := h.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}})
	expectStatus(t, r, http.StatusInternalServerError)
}

func TestLatencyFaultDelaysRequests(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{Latency: 40 * time.Millisecond})
	start := time.Now()
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("request took %s, want at least 40ms", d)
	}
}

func TestAdminFaultsAcceptDurationStringsAndSeconds(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	r := h.send(http.MethodPut, "/admin/faults", "", `{"rateLimit":1,"retryAfter":"3s","serverErrors":1,"latency":0.001,"tokenLifetime":"1m","pathPrefix":"/v3/mfa/kba"}`)
	expectStatus(t, r, http.StatusOK)
	want := Faults{RateLimit: 1, RetryAfter: 3 * time.Second, ServerErrors: 1, Latency: time.Millisecond, TokenLifetime: time.Minute, PathPrefix: "/v3/mfa/kba"}
	if got := h.e.CurrentFaults(); got != want {
		t.Errorf("faults = %+v, want %+v", got, want)
	}
	if m := r.object(t); m["retryAfter"] != "3s" || m["latency"] != "1ms" {
		t.Errorf("PUT answered %s", r.body)
	}
	rl := h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil)
	expectStatus(t, rl, http.StatusTooManyRequests)
	if rl.header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After = %q", rl.header.Get("Retry-After"))
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusInternalServerError)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)

	got := h.send(http.MethodGet, "/admin/faults", "", nil).object(t)
	if got["rateLimit"] != float64(0) || got["serverErrors"] != float64(0) || got["tokenLifetime"] != "1m0s" {
		t.Errorf("GET /admin/faults = %v", got)
	}

	for _, bad := range []string{`{"latency":"soon"}`, `{"rateLimit":-1}`, `{"unknown":1}`, `not json`} {
		expectStatus(t, h.send(http.MethodPut, "/admin/faults", "", bad), http.StatusBadRequest)
	}
	expectStatus(t, h.send(http.MethodPut, "/admin/faults", "", `{}`), http.StatusOK)
	if got := h.e.CurrentFaults(); got != (Faults{}) {
		t.Errorf("PUT {} did not clear the faults: %+v", got)
	}
}
