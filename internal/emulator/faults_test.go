package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
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

// attempt is the outcome of one request made on a connection of its own.
type attempt struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// try sends one request on a new connection (so that net/http does not retry it on
// another) with a client timeout, and returns the error instead of failing.
func (h *harness) try(method, path, token string, timeout time.Duration) attempt {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: timeout}
	resp, err := client.Do(req)
	if err != nil {
		return attempt{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return attempt{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

func TestResetFaultResetsTheConnectionOfTheNextRequestsThenRecovers(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{Resets: 2})
	for i := range 2 {
		a := h.try(http.MethodGet, "/v3/mfa/kba/config", tok, 5*time.Second)
		if !errors.Is(a.err, syscall.ECONNRESET) {
			t.Errorf("request %d: status %d, error %v, want a connection reset (RST)", i+1, a.status, a.err)
		}
	}
	if a := h.try(http.MethodGet, "/v3/mfa/kba/config", tok, 5*time.Second); a.err != nil || a.status != http.StatusOK {
		t.Errorf("after the resets: %d, %v", a.status, a.err)
	}
	if log := h.e.Requests(); len(log) < 3 || log[len(log)-3].Status != 0 {
		t.Errorf("the request log does not show the reset as status 0: %+v", log)
	}
}

func TestHangFaultAnswersNothingUntilTheClientGivesUp(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{Hangs: 1})

	a := h.try(http.MethodGet, "/v3/mfa/okta-verify/config", tok, 100*time.Millisecond)

	var netErr net.Error
	if !errors.As(a.err, &netErr) || !netErr.Timeout() {
		t.Errorf("status %d, error %v, want a client timeout", a.status, a.err)
	}
	if a := h.try(http.MethodGet, "/v3/mfa/okta-verify/config", tok, 5*time.Second); a.err != nil || a.status != http.StatusOK {
		t.Errorf("after the hang: %d, %v", a.status, a.err)
	}
}

func TestReplacingTheFaultsLetsHangingRequestsGo(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{Hangs: 1})
	done := make(chan attempt, 1)
	go func() { done <- h.try(http.MethodGet, "/v3/mfa/kba/config", tok, 0) }() // no client timeout
	deadline := time.Now().Add(5 * time.Second)
	for h.e.CurrentFaults().Hangs > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // until the request took the hang
	}

	h.e.SetFaults(Faults{})

	select {
	case a := <-done:
		if a.err == nil {
			t.Errorf("a released request got an answer: %d", a.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging request was not let go")
	}
}

func TestHTMLErrorFaultAnswersAProxyPage(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{HTMLErrors: 1})

	a := h.try(http.MethodPut, "/v3/mfa/okta-verify/config", tok, 5*time.Second)

	if a.err != nil || a.status != http.StatusBadGateway || a.header.Get("Content-Type") != "text/html" ||
		!strings.Contains(string(a.body), "<h1>502 Bad Gateway</h1>") {
		t.Errorf("got %d %q %q, %v; want a 502 HTML page", a.status, a.header.Get("Content-Type"), a.body, a.err)
	}
	if _, stored := h.e.StoredOktaConfig(); stored {
		t.Error("a faulted PUT stored its config")
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
}

func TestMalformedBodyFaultAnswers200WithInvalidJSON(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{MalformedBodies: 2})
	for range 2 {
		a := h.try(http.MethodGet, "/v3/mfa/okta-verify/config", tok, 5*time.Second)
		if a.err != nil || a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" || json.Valid(a.body) || len(a.body) == 0 {
			t.Errorf("got %d %q %q, %v; want 200 with a JSON content type and invalid JSON", a.status, a.header.Get("Content-Type"), a.body, a.err)
		}
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)
}

func TestConnectionFaultsHonourThePathPrefixAndComeAfterTheOthers(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()

	h.e.SetFaults(Faults{Resets: 1, MalformedBodies: 1})
	h.token(DefaultAdminClientID, DefaultAdminClientSecret) // the token endpoint is not faulted by default
	if a := h.try(http.MethodGet, "/v3/mfa/kba/config", tok, 5*time.Second); a.err == nil {
		t.Errorf("first /v3 request answered %d, want a reset", a.status)
	}

	h.e.SetFaults(Faults{RateLimit: 1, Resets: 1, HTMLErrors: 1, PathPrefix: "/v3/mfa/duo-web"})
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)
	order := []int{http.StatusTooManyRequests, 0, http.StatusBadGateway, http.StatusOK}
	for i, want := range order {
		a := h.try(http.MethodGet, "/v3/mfa/duo-web/config", tok, 5*time.Second)
		if a.status != want {
			t.Errorf("duo request %d: %d, %v, want %d", i+1, a.status, a.err, want)
		}
	}

	h.e.SetFaults(Faults{Resets: 1, PathPrefix: "/oauth/token"})
	if a := h.try(http.MethodPost, "/oauth/token", "", 5*time.Second); a.err == nil {
		t.Errorf("token request answered %d, want a reset", a.status)
	}
}

func TestNeverAnswerMakesEveryRequestHangOrResetUntilCleared(t *testing.T) {
	for _, mode := range []string{NeverAnswerHang, NeverAnswerReset} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t, Config{})
			tok := h.adminToken()
			h.e.SetFaults(Faults{NeverAnswer: mode})
			for _, path := range []string{"/oauth/token", "/v3/mfa/kba/config", "/v3/mfa/kba/config", "/v3/nothing-here"} {
				if a := h.try(http.MethodPost, path, tok, 100*time.Millisecond); a.err == nil {
					t.Errorf("%s answered %d, want no answer", path, a.status)
				}
			}
			expectStatus(t, h.send(http.MethodGet, "/admin/faults", "", nil), http.StatusOK) // admin still answers

			h.e.SetFaults(Faults{})
			expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
		})
	}
	t.Run("with a path prefix", func(t *testing.T) {
		h := newHarness(t, Config{})
		tok := h.adminToken()
		h.e.SetFaults(Faults{NeverAnswer: NeverAnswerReset, PathPrefix: "/v3/mfa/okta-verify"})
		expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusOK)
		if a := h.try(http.MethodGet, "/v3/mfa/okta-verify/config", tok, 5*time.Second); a.err == nil {
			t.Errorf("okta answered %d, want a reset", a.status)
		}
	})
}

func TestAdminFaultsReadAndWriteTheConnectionFaults(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.send(http.MethodPut, "/admin/faults", "", `{"resets":1,"hangs":2,"htmlErrors":3,"malformedBodies":4,"neverAnswer":"reset","pathPrefix":"/v3/mfa/kba"}`)
	expectStatus(t, r, http.StatusOK)
	want := Faults{Resets: 1, Hangs: 2, HTMLErrors: 3, MalformedBodies: 4, NeverAnswer: NeverAnswerReset, PathPrefix: "/v3/mfa/kba"}
	if got := h.e.CurrentFaults(); got != want {
		t.Errorf("faults = %+v, want %+v", got, want)
	}
	if m := h.send(http.MethodGet, "/admin/faults", "", nil).object(t); m["hangs"] != float64(2) || m["neverAnswer"] != "reset" {
		t.Errorf("GET /admin/faults = %v", m)
	}
	for _, bad := range []string{`{"resets":-1}`, `{"hangs":-1}`, `{"htmlErrors":-1}`, `{"malformedBodies":-1}`, `{"neverAnswer":"sometimes"}`} {
		expectStatus(t, h.send(http.MethodPut, "/admin/faults", "", bad), http.StatusBadRequest)
	}
}
