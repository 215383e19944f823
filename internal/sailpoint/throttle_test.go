package sailpoint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// heldValue reads sailpoint_api_held_requests_total for the labels.
func heldValue(t *testing.T, tenant, reason string) float64 {
	t.Helper()
	var m dto.Metric
	if err := heldRequestsTotal.WithLabelValues(tenant, reason).Write(&m); err != nil {
		t.Fatalf("read counter: %v", err)
	}
	return m.GetCounter().GetValue()
}

// wantHeld checks that err is a call refused during a hold of reason, with
// the time left, and that it contains no secret.
func wantHeld(t *testing.T, ft *fakeTenant, err error, reason string, left time.Duration) {
	t.Helper()
	var holdErr *HoldError
	if !errors.As(err, &holdErr) || holdErr.Err != nil || holdErr.Reason != reason {
		t.Fatalf("error = %v, want a call refused during a %s hold", err, reason)
	}
	sentinel := map[string]error{HoldRateLimited: ErrRateLimited, HoldUnreachable: ErrUnreachable}[reason]
	if !errors.Is(err, sentinel) || !IsRetryable(err) {
		t.Errorf("error %v does not match %v or is not retryable", err, sentinel)
	}
	if d, ok := RetryAfter(err); !ok || d != left {
		t.Errorf("RetryAfter = %v, %v, want %v", d, ok, left)
	}
	assertNoSecrets(t, ft, err)
}

// apiAndTokenRequests counts everything ft received.
func apiAndTokenRequests(ft *fakeTenant) int { return len(ft.requests()) + ft.tokenRequests() }

func TestAfterA429NothingIsSentThroughTheClientUntilRetryAfterHasPassed(t *testing.T) {
	ft := newFakeTenant(t)
	var limited atomic.Bool
	limited.Store(true)
	ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
		if limited.Swap(false) {
			respond(http.StatusTooManyRequests, body429, "Retry-After", "5")(w, r)
			return
		}
		respond(http.StatusOK, `{}`)(w, r)
	})
	c := newTestClient(t, ft, func(o *Options) { o.Tenant = "test/rate-limited" })
	clock := useFakeClock(c)
	before := heldValue(t, "test/rate-limited", HoldRateLimited)

	_, err := c.GetOktaConfig(t.Context())

	var apiErr *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("error = %v, want the 429", err)
	}
	if d, ok := RetryAfter(err); !ok || d != 5*time.Second {
		t.Errorf("RetryAfter = %v, %v, want 5s", d, ok)
	}
	sent := apiAndTokenRequests(ft)

	// Every kind of call, the token request included, fails at once.
	clock.Advance(4 * time.Second)
	for _, e := range allEndpoints {
		_, err := e.call(t.Context(), c)
		wantHeld(t, ft, err, HoldRateLimited, time.Second)
	}
	c.tokens.store(nil)
	_, err = c.Token(t.Context())
	wantHeld(t, ft, err, HoldRateLimited, time.Second)
	if got := apiAndTokenRequests(ft) - sent; got != 0 {
		t.Errorf("%d requests sent during the Retry-After, want none", got)
	}
	if got := heldValue(t, "test/rate-limited", HoldRateLimited) - before; got != float64(len(allEndpoints)+1) {
		t.Errorf("held requests counted = %v, want %d", got, len(allEndpoints)+1)
	}

	clock.Advance(time.Second)
	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatalf("after the Retry-After: %v", err)
	}
}

func TestA429OfTheTokenEndpointHoldsTheClientToo(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setTokenFailure(respond(http.StatusTooManyRequests, body429, "Retry-After", "2"))
	c := newTestClient(t, ft)
	clock := useFakeClock(c)

	_, err := c.GetOktaConfig(t.Context())

	if d, ok := RetryAfter(err); !errors.Is(err, ErrRateLimited) || !ok || d != 2*time.Second {
		t.Fatalf("error = %v (retry after %v), want the token endpoint's 429 and 2s", err, d)
	}
	ft.setTokenFailure(nil)
	clock.Advance(time.Second)
	_, err = c.SetOktaConfig(t.Context(), testOktaConfig)
	wantHeld(t, ft, err, HoldRateLimited, time.Second)
	if got := apiAndTokenRequests(ft); got != 1 {
		t.Errorf("requests = %d, want only the first token request", got)
	}
}

func TestTheHoldAfterA429ReadsRetryAfterInBothFormsAndIsAtLeastOneSecond(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"HTTP date", func(now time.Time) string { return now.Add(3 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second},
		{"missing", func(time.Time) string { return "" }, MinRateLimitHold},
		{"unreadable", func(time.Time) string { return "soon" }, MinRateLimitHold},
		{"zero", func(time.Time) string { return "0" }, MinRateLimitHold},
		{"date in the past", func(now time.Time) string { return now.Add(-time.Hour).UTC().Format(http.TimeFormat) }, MinRateLimitHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			c := newTestClient(t, ft)
			clock := useFakeClock(c)
			clock.now = clock.now.Truncate(time.Second) // HTTP dates have whole seconds
			header := tt.retryAfter(clock.Now())
			ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
				if header != "" {
					w.Header().Set("Retry-After", header)
				}
				respond(http.StatusTooManyRequests, body429)(w, r)
			})

			_, err := c.GetKbaConfig(t.Context(), false)

			if d, ok := RetryAfter(err); !ok || d != tt.want {
				t.Errorf("RetryAfter = %v, %v, want %v", d, ok, tt.want)
			}
			clock.Advance(tt.want - time.Millisecond)
			_, err = c.GetKbaConfig(t.Context(), false)
			wantHeld(t, ft, err, HoldRateLimited, time.Millisecond)
			clock.Advance(time.Millisecond)
			ft.setAPI(respond(http.StatusOK, `[]`))
			if _, err := c.GetKbaConfig(t.Context(), false); err != nil {
				t.Errorf("after the hold: %v", err)
			}
		})
	}
}

func TestClientsOfTheSameBaseURLAndClientIDShareOneHold(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(respond(http.StatusTooManyRequests, body429, "Retry-After", "30"))
	throttles := NewThrottles()
	first := newTestClient(t, ft, func(o *Options) { o.Throttles = throttles; o.Tenant = "team-a/acme" })
	// Another SailPointTenant, spelling the same URL differently.
	second := newTestClient(t, ft, func(o *Options) {
		o.Throttles = throttles
		o.Tenant = "team-b/acme"
		o.BaseURL = "HTTP://" + strings.TrimPrefix(ft.server.URL, "http://") + "/"
	})
	other := newFakeTenant(t)
	elsewhere := newTestClient(t, other, func(o *Options) { o.Throttles = throttles })
	before := heldValue(t, "team-b/acme", HoldRateLimited)

	if _, err := first.GetOktaConfig(t.Context()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first: %v, want the 429", err)
	}
	sent := apiAndTokenRequests(ft)
	_, err := second.GetDuoConfig(t.Context())

	var holdErr *HoldError
	if !errors.As(err, &holdErr) || holdErr.Err != nil || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second: %v, want a call refused during the first one's hold", err)
	}
	if d, ok := RetryAfter(err); !ok || d <= 29*time.Second || d > 30*time.Second {
		t.Errorf("RetryAfter = %v, want about 30s", d)
	}
	if got := apiAndTokenRequests(ft) - sent; got != 0 {
		t.Errorf("second sent %d requests, want none", got)
	}
	if got := heldValue(t, "team-b/acme", HoldRateLimited) - before; got != 1 {
		t.Errorf("held requests of team-b/acme = %v, want 1 (counted under the tenant that was refused)", got)
	}
	if _, err := elsewhere.GetOktaConfig(t.Context()); err != nil {
		t.Errorf("a client of another tenant is held too: %v", err)
	}
	if first.throttle != second.throttle || first.throttle == elsewhere.throttle || throttles.len() != 2 {
		t.Errorf("throttles: first %p second %p elsewhere %p, %d kept", first.throttle, second.throttle, elsewhere.throttle, throttles.len())
	}
}

func TestTheThrottleKeyIsTheNormalizedBaseURLAndTheClientID(t *testing.T) {
	throttles := NewThrottles()
	build := func(baseURL, clientID string, rps float64) *Client {
		t.Helper()
		c, err := New(Options{BaseURL: baseURL, ClientID: clientID, ClientSecret: "s", RequestsPerSecond: rps, Throttles: throttles})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	a := build("https://Acme.api.identitynow.com", "id-1", 8)
	b := build("HTTPS://acme.API.identitynow.com:443/", "id-1", 2.5)
	otherID := build("https://acme.api.identitynow.com", "id-2", 8)
	otherHost := build("https://acme-sb.api.identitynow.com", "id-1", 8)

	if a.throttle != b.throttle {
		t.Error("two spellings of one URL with one client id do not share a throttle")
	}
	if a.throttle == otherID.throttle || a.throttle == otherHost.throttle || otherID.throttle == otherHost.throttle {
		t.Error("another client id or host shares the throttle")
	}
	if limit, burst := a.throttle.limiter.Limit(), a.throttle.limiter.Burst(); limit != 2.5 || burst != 3 {
		t.Errorf("shared limit = %v burst %d, want the lowest requestsPerSecond 2.5, burst 3", limit, burst)
	}
	b.Close()
	if limit := a.throttle.limiter.Limit(); limit != 8 {
		t.Errorf("limit after the slower client closed = %v, want 8", limit)
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	tests := map[string]string{
		"https://acme.api.identitynow.com":       "https://acme.api.identitynow.com",
		" HTTPS://ACME.api.identitynow.com:443/": "https://acme.api.identitynow.com",
		"https://acme.api.identitynow.com:8443/": "https://acme.api.identitynow.com:8443",
		"http://localhost:80":                    "http://localhost",
		"http://[::1]:18080/":                    "http://[::1]:18080",
		"https://example.com/Tenant/":            "https://example.com/Tenant",
		"not a url/":                             "not a url",
	}
	for in, want := range tests {
		if got := NormalizeBaseURL(in); got != want {
			t.Errorf("NormalizeBaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCloseForgetsTheThrottleUnlessItStillHolds(t *testing.T) {
	ft := newFakeTenant(t)
	throttles := NewThrottles()
	opts := func(o *Options) { o.Throttles = throttles }
	a := newTestClient(t, ft, opts)
	b := newTestClient(t, ft, opts)
	a.Close()
	a.Close() // twice is fine
	if throttles.len() != 1 {
		t.Fatalf("throttles kept = %d, want 1 while b uses it", throttles.len())
	}
	b.Close()
	if throttles.len() != 0 {
		t.Fatalf("throttles kept = %d, want 0 after the last Close", throttles.len())
	}

	// A hold outlives the clients: one built again for the same credentials honours it.
	ft.setAPI(respond(http.StatusTooManyRequests, body429, "Retry-After", "60"))
	held := newTestClient(t, ft, opts)
	_, _ = held.GetOktaConfig(t.Context())
	held.Close()
	again := newTestClient(t, ft, opts)
	sent := apiAndTokenRequests(ft)
	if _, err := again.GetOktaConfig(t.Context()); !errors.Is(err, ErrRateLimited) || apiAndTokenRequests(ft) != sent {
		t.Errorf("a rebuilt client: %v, want the hold kept", err)
	}
}

func TestAnUnreachableTenantIsHeldWithABackoffAndOneAnswerEndsIt(t *testing.T) {
	ft := newFakeTenant(t)
	var hang atomic.Bool
	hang.Store(true)
	ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			<-r.Context().Done()
			return
		}
		respond(http.StatusOK, `{}`)(w, r)
	})
	c := newTestClient(t, ft, func(o *Options) { o.Timeout = 100 * time.Millisecond; o.Tenant = "test/unreachable" })
	c.tokens.store(&accessToken{value: "cached-token"}) // only the API calls can time out
	clock := useFakeClock(c)
	before := heldValue(t, "test/unreachable", HoldUnreachable)

	// Each consecutive failure doubles the hold; calls meanwhile fail fast.
	for failure, base := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		_, err := c.SetOktaConfig(t.Context(), testOktaConfig)
		var holdErr *HoldError
		var transportErr *TransportError
		if !errors.As(err, &holdErr) || !errors.As(err, &transportErr) || !errors.Is(err, ErrUnreachable) {
			t.Fatalf("failure %d: %v, want the timeout wrapped in a hold", failure+1, err)
		}
		if holdErr.Left < base || holdErr.Left > base+base/10 {
			t.Errorf("failure %d: hold %v, want within [%v, %v]", failure+1, holdErr.Left, base, base+base/10)
		}
		sent := len(ft.requests())
		_, err = c.GetDuoConfig(t.Context())
		wantHeld(t, ft, err, HoldUnreachable, holdErr.Left)
		if len(ft.requests()) != sent {
			t.Errorf("failure %d: a call was sent during the hold", failure+1)
		}
		clock.Advance(holdErr.Left)
	}
	if got := heldValue(t, "test/unreachable", HoldUnreachable) - before; got != 3 {
		t.Errorf("held requests = %v, want 3", got)
	}

	hang.Store(false)
	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatalf("the probe after the hold: %v", err)
	}
	if _, err := c.GetDuoConfig(t.Context()); err != nil {
		t.Errorf("after one answer: %v, want the hold ended", err)
	}
	if c.throttle.failures != 0 {
		t.Errorf("failures = %d after an answer, want 0", c.throttle.failures)
	}
}

func TestARefusedConnectionHoldsTheClient(t *testing.T) {
	ft := newFakeTenant(t)
	closed := newFakeTenant(t)
	closed.server.Close()
	c := newTestClient(t, ft, func(o *Options) { o.BaseURL = closed.server.URL })

	_, err := c.Token(t.Context())
	if d, ok := RetryAfter(err); !errors.Is(err, ErrUnreachable) || !ok || d < UnreachableHoldBase {
		t.Fatalf("error = %v (retry after %v), want ErrUnreachable with the hold", err, d)
	}
	_, err = c.GetOktaConfig(t.Context())
	var holdErr *HoldError
	if !errors.As(err, &holdErr) || holdErr.Err != nil || !errors.Is(err, ErrUnreachable) {
		t.Errorf("next call: %v, want it refused without a request", err)
	}
}

// After a hold has passed, one request goes first; the others are held until it got an
// answer: a tenant that still does not answer costs one timeout, and callers that waited for
// the same Retry-After do not all call at once into a limit that may not have reset.
func TestAfterAHoldOnlyOneRequestGoesFirst(t *testing.T) {
	for _, tt := range []struct {
		name       string
		outcome    outcome
		retryAfter time.Duration
		reason     string
	}{
		{"after an unreachable hold", outcomeUnreachable, 0, HoldUnreachable},
		{"after a 429's hold", outcomeRateLimited, 2 * time.Second, HoldRateLimited},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			arrived, release := make(chan struct{}), make(chan struct{})
			ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
				arrived <- struct{}{}
				<-release
				respond(http.StatusOK, `{}`)(w, r)
			})
			c := newTestClient(t, ft)
			clock := useFakeClock(c)
			if _, err := c.Token(t.Context()); err != nil {
				t.Fatal(err)
			}
			// A hold that has passed.
			p, _, _ := c.throttle.admit(clock.Now())
			h, _ := c.throttle.settle(p, tt.outcome, tt.retryAfter, clock.Now())
			clock.Advance(h.left)

			first := make(chan error, 1)
			go func() {
				_, err := c.GetOktaConfig(context.Background())
				first <- err
			}()
			<-arrived
			_, err := c.GetDuoConfig(t.Context())
			wantHeld(t, ft, err, tt.reason, probeWait)
			close(release)
			if err := <-first; err != nil {
				t.Fatalf("first request: %v", err)
			}
			go func() { <-arrived }()
			if _, err := c.GetDuoConfig(t.Context()); err != nil {
				t.Errorf("after the first request got its answer: %v", err)
			}
		})
	}
}

func TestRequestsInFlightTogetherCountAsOneFailure(t *testing.T) {
	th := &throttle{}
	now := time.Now()
	p1, _, _ := th.admit(now)
	p2, _, _ := th.admit(now)
	th.settle(p1, outcomeUnreachable, 0, now.Add(time.Second))
	th.settle(p2, outcomeUnreachable, 0, now.Add(time.Second))
	if th.failures != 1 {
		t.Errorf("failures = %d, want 1: both were sent before the first failure", th.failures)
	}
}

func TestUnreachableHoldDoublesUpToFiveMinutesWithALittleJitter(t *testing.T) {
	tests := []struct {
		failures int
		base     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {9, 256 * time.Second},
		{10, 5 * time.Minute}, {11, 5 * time.Minute}, {1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		for range 20 {
			if d := unreachableHold(tt.failures); d < tt.base || d > tt.base+tt.base/10 {
				t.Errorf("unreachableHold(%d) = %v, want within [%v, %v]", tt.failures, d, tt.base, tt.base+tt.base/10)
			}
		}
	}
}

func TestARetryStopsWhenAnotherCallsA429HoldsTheClient(t *testing.T) {
	ft := newFakeTenant(t)
	var c *Client
	ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
		// Meanwhile another caller of the client got a 429.
		p, _, _ := c.throttle.admit(c.now())
		c.throttle.settle(p, outcomeRateLimited, 10*time.Second, c.now())
		respond(http.StatusServiceUnavailable, body500)(w, r)
	})
	c = newTestClient(t, ft, func(o *Options) { o.MaxRetries = 5 })

	_, err := c.SetOktaConfig(t.Context(), testOktaConfig)

	var holdErr *HoldError
	if !errors.As(err, &holdErr) || holdErr.Err != nil || !errors.Is(err, ErrRateLimited) {
		t.Errorf("error = %v, want the retry refused by the hold", err)
	}
	if got := len(ft.requests()); got != 1 {
		t.Errorf("PUTs = %d, want 1: no retry through a hold", got)
	}
}

func TestABurstOfServerErrorsOnAPutConvergesWithOneSuccessfulPut(t *testing.T) {
	for _, burst := range []int{1, 3, 10} {
		ft := newFakeTenant(t)
		var calls atomic.Int32
		ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
			if int(calls.Add(1)) <= burst {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(`<html><body>502 Bad Gateway</body></html>`))
				return
			}
			respond(http.StatusOK, `{"mfaMethod":"okta-verify","enabled":true}`)(w, r)
		})
		c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 3 })

		got, err := c.SetOktaConfig(t.Context(), testOktaConfig)

		attempts := len(ft.requests())
		switch {
		case burst <= 3 && (err != nil || !got.Enabled || attempts != burst+1):
			t.Errorf("burst %d: %v, %v after %d PUTs, want one successful PUT after %d", burst, got, err, attempts, burst+1)
		case burst > 3 && (!errors.Is(err, ErrServer) || attempts != 4):
			t.Errorf("burst %d: %v after %d PUTs, want ErrServer after 4 (1 + MaxRetries)", burst, err, attempts)
		}
	}
}

func TestForgetTenantDeletesEverySeriesOfTheTenant(t *testing.T) {
	const gone, kept = "test/forget-gone", "test/forget-kept"
	for _, tenant := range []string{gone, kept} {
		requestsTotal.WithLabelValues(tenant, "GetOktaConfig", "200").Inc()
		requestDuration.WithLabelValues(tenant, "GetOktaConfig").Observe(0.1)
		heldRequestsTotal.WithLabelValues(tenant, HoldRateLimited).Inc()
		deprecatedResponsesTotal.WithLabelValues(tenant, "GetOktaConfig").Inc()
	}
	series := func(tenant string) int {
		n := 0
		for _, v := range tenantVectors {
			ch := make(chan prometheus.Metric)
			go func() {
				v.Collect(ch)
				close(ch)
			}()
			for m := range ch {
				var pb dto.Metric
				if err := m.Write(&pb); err != nil {
					t.Fatal(err)
				}
				for _, l := range pb.GetLabel() {
					if l.GetName() == "tenant" && l.GetValue() == tenant {
						n++
					}
				}
			}
		}
		return n
	}

	ForgetTenant(gone)

	if n := series(gone); n != 0 {
		t.Errorf("%d series of %s left", n, gone)
	}
	if n := series(kept); n != len(tenantVectors) {
		t.Errorf("%d series of %s, want %d (one per vector)", n, kept, len(tenantVectors))
	}
}
