package sailpoint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestServerErrorsAreRetriedOnlyForIdempotentCalls(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(respond(http.StatusInternalServerError, body500))
			c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 3 })

			_, err := e.call(t.Context(), c)

			if !errors.Is(err, ErrServer) {
				t.Errorf("error = %v, want ErrServer", err)
			}
			want := 1
			if e.retry {
				want = 4
			}
			if got := len(ft.requests()); got != want {
				t.Errorf("API requests = %d, want %d", got, want)
			}
		})
	}
}

func TestRetriedCallSucceedsWhenTheServerRecovers(t *testing.T) {
	ft := newFakeTenant(t)
	var calls atomic.Int32
	ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			respond(http.StatusServiceUnavailable, body500)(w, r)
			return
		}
		respond(http.StatusOK, `[{"id":"173423","question":"Pet?","hasAnswer":true}]`)(w, r)
	})
	c := newTestClient(t, ft)

	got, err := c.SetKbaAnswers(t.Context(), testAnswers)

	if err != nil || len(got) != 1 || got[0].ID != "173423" {
		t.Fatalf("SetKbaAnswers = %v, %v", got, err)
	}
	reqs := ft.requests()
	if len(reqs) != 3 {
		t.Fatalf("API requests = %d, want 3", len(reqs))
	}
	for _, r := range reqs[1:] {
		if string(r.body) != string(reqs[0].body) {
			t.Errorf("retry sent %q, want %q", r.body, reqs[0].body)
		}
	}
}

func TestRateLimitedCallsAreNeverRetriedOrSlept(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(respond(http.StatusTooManyRequests, body429, "Retry-After", "3600"))
			c := newTestClient(t, ft)
			start := time.Now()

			_, err := e.call(t.Context(), c)

			var apiErr *APIError
			if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour {
				t.Errorf("error = %v, want ErrRateLimited with RetryAfter 1h", err)
			}
			if got := len(ft.requests()); got != 1 {
				t.Errorf("API requests = %d, want 1", got)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("call took %v; the client must not sleep for a 429", d)
			}
		})
	}
}

func TestNetworkErrorsEndTheCallAtOnceAndHoldTheClient(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close() // no response at all
				}
			})
			noKeepAlive := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 2; o.HTTPClient = noKeepAlive })

			_, err := e.call(t.Context(), c)

			var transportErr *TransportError
			if !errors.As(err, &transportErr) || !errors.Is(err, ErrUnreachable) {
				t.Errorf("error = %v, want a *TransportError", err)
			}
			if d, ok := RetryAfter(err); !ok || d < UnreachableHoldBase {
				t.Errorf("RetryAfter = %v, %v, want the unreachable hold", d, ok)
			}
			if strings.Contains(err.Error(), ft.server.URL) {
				t.Errorf("error %q contains the URL", err)
			}
			if got := len(ft.requests()); got != 1 {
				t.Errorf("API requests = %d, want 1: a reset is not retried within the call", got)
			}
		})
	}
}

func TestATimeoutEndsTheCallAfterOneAttemptAndHoldsTheClient(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
			c := newTestClient(t, ft, func(o *Options) { o.Timeout = 150 * time.Millisecond; o.MaxRetries = 2 })
			c.tokens.store(&accessToken{value: "cached-token"}) // only the API call can time out

			_, err := e.call(t.Context(), c)

			var transportErr *TransportError
			if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &transportErr) || !errors.Is(err, ErrUnreachable) || !IsRetryable(err) {
				t.Errorf("error = %v, want a timeout *TransportError", err)
			}
			if got := len(ft.requests()); got != 1 {
				t.Errorf("API requests = %d, want 1: a timeout is not retried within the call", got)
			}
		})
	}
}

func TestRetriesStopWhenTheCallersContextEnds(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(respond(http.StatusInternalServerError, body500))
	c := newTestClient(t, ft, func(o *Options) { o.RetryBaseDelay = time.Hour; o.RetryMaxDelay = time.Hour })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	_, err := c.GetOktaConfig(ctx)

	if !errors.Is(err, ErrServer) {
		t.Errorf("error = %v, want the last ErrServer", err)
	}
	if got := len(ft.requests()); got != 1 {
		t.Errorf("API requests = %d, want 1", got)
	}
}

func TestCanceledContextIsReturnedAsIsNotRetryableAndHoldsNothing(t *testing.T) {
	ft := newFakeTenant(t)
	ctx, cancel := context.WithCancel(t.Context())
	ft.setAPI(func(_ http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	c := newTestClient(t, ft)

	_, err := c.GetOktaConfig(ctx)

	if !errors.Is(err, context.Canceled) || IsRetryable(err) {
		t.Errorf("error = %v, want context.Canceled, not retryable", err)
	}
	if got := len(ft.requests()); got != 1 {
		t.Errorf("API requests = %d, want 1", got)
	}
	if _, held := c.throttle.held(c.now()); held {
		t.Error("the client is held after its caller gave up")
	}
}

func TestLimiterHoldsRequestsBack(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft, func(o *Options) { o.RequestsPerSecond = 0.5 }) // burst 1, then one every 2s
	if _, err := c.Token(t.Context()); err != nil {                           // uses the burst
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()

	_, err := c.GetOktaConfig(ctx)

	if err == nil || !strings.Contains(err.Error(), "client-side rate limit") {
		t.Errorf("error = %v, want a client-side rate limit error", err)
	}
	if got := len(ft.requests()); got != 0 {
		t.Errorf("API requests = %d, want 0", got)
	}
}

func TestRetryBackoffGrowsExponentiallyWithinBounds(t *testing.T) {
	c := &Client{retryBase: 100 * time.Millisecond, retryMax: time.Second, maxRetries: 8}
	// The delay before retry n is drawn from [step/2, step], step doubling
	// from retryBase up to retryMax.
	steps := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000, 1000}
	for range 20 {
		next := c.retryBackoff().DelayFunc()
		for i, step := range steps {
			step *= time.Millisecond
			if d := next(); d < step/2 || d > step {
				t.Errorf("delay before retry %d = %v, want within [%v, %v]", i+1, d, step/2, step)
			}
		}
	}
}
