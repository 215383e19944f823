package sailpoint

import (
	"context"
	"errors"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Hold reasons: HoldError.Reason and the reason label of
// sailpoint_api_held_requests_total.
const (
	// HoldRateLimited: SailPoint answered 429; nothing is sent until its Retry-After has passed.
	HoldRateLimited = "RateLimited"
	// HoldUnreachable: the tenant did not answer (timeout, refused or reset
	// connection); nothing is sent until the unreachable backoff has passed.
	HoldUnreachable = "Unreachable"
)

// Bounds of the holds.
const (
	// MinRateLimitHold is the hold after a 429 whose Retry-After is missing,
	// unreadable or shorter.
	MinRateLimitHold = time.Second
	// UnreachableHoldBase is the hold after the first consecutive failure to
	// get an answer; it doubles with each further one, up to UnreachableHoldMax.
	UnreachableHoldBase = time.Second
	// UnreachableHoldMax bounds the unreachable backoff (before jitter).
	UnreachableHoldMax = 5 * time.Minute
	// unreachableHoldJitter adds up to 10 % to each unreachable hold, so
	// that tenants that failed together do not probe together.
	unreachableHoldJitter = 0.1
	// probeWait is the time left reported to calls refused while the one
	// probe that ends an unreachable hold is in flight.
	probeWait = time.Second
)

// NormalizeBaseURL returns the form of a tenant URL under which two
// spellings of one endpoint compare equal: lower-case scheme and host, no
// default port, no trailing slash. A URL that does not parse is only
// trimmed and lower-cased.
func NormalizeBaseURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(raw), "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

// throttleKey identifies what SailPoint counts its limit against: one
// client id at one tenant. It holds the client id, which is secret for
// logging purposes: a throttleKey is a map key and is never printed.
type throttleKey struct {
	baseURL  string
	clientID string
}

// Throttles is a registry of the limiters and holds that clients of the
// same base URL and client id share. Entries are reference-counted by the
// clients using them (Close releases) and kept after the last client closed
// until their hold has passed, so that a client built again for the same
// credentials still honours it. Clients use one process-wide registry
// unless Options.Throttles names another, which tests do to stay apart.
type Throttles struct {
	mu    sync.Mutex
	byKey map[throttleKey]*throttle
}

// NewThrottles returns an empty registry.
func NewThrottles() *Throttles {
	return &Throttles{byKey: map[throttleKey]*throttle{}}
}

// sharedThrottles is the registry of clients whose Options.Throttles is nil.
var sharedThrottles = NewThrottles()

// acquire returns the throttle of key, creating it, and counts one more
// client that sends at most rps requests per second through it.
func (r *Throttles) acquire(key throttleKey, rps float64, now time.Time) *throttle {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweepLocked(now)
	t := r.byKey[key]
	if t == nil {
		t = &throttle{limiter: rate.NewLimiter(rate.Limit(rps), burst(rps))}
		r.byKey[key] = t
	}
	t.addUser(rps)
	return t
}

// release undoes one acquire.
func (r *Throttles) release(t *throttle, rps float64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t.removeUser(rps)
	r.sweepLocked(now)
}

// sweepLocked forgets the throttles that no client uses and that no longer hold.
func (r *Throttles) sweepLocked(now time.Time) {
	for key, t := range r.byKey {
		if t.idle(now) {
			delete(r.byKey, key)
		}
	}
}

// len is the number of throttles kept.
func (r *Throttles) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byKey)
}

func burst(rps float64) int { return max(1, int(math.Ceil(rps))) }

// throttle is the limiter and the hold of one SailPoint client id at one
// tenant. Its methods take the time from the calling Client's clock.
type throttle struct {
	limiter *rate.Limiter

	mu    sync.Mutex
	rates []float64 // requests per second of each client using the throttle
	// rateLimitedUntil is the end of the hold after the last 429.
	rateLimitedUntil time.Time
	// unreachableUntil is the end of the hold after the last failure to get an answer.
	unreachableUntil time.Time
	// failures counts the consecutive failures to get an answer; lastFailure
	// is when the last one was recorded.
	failures    int
	lastFailure time.Time
	// probing is set while the one request that may end an unreachable hold, or the first
	// after a 429's hold, is in flight.
	probing bool
	// afterRateLimit is set from a 429 until a request gets another answer: when the hold
	// has passed, one request goes first, so that callers that waited together do not all
	// call at once into a limit that may not have reset yet.
	afterRateLimit bool
}

// hold is a refusal: why, until when, and the time left then.
type hold struct {
	reason string
	until  time.Time
	left   time.Duration
}

// permit is an admitted request.
type permit struct {
	sentAt time.Time
	probe  bool
}

// outcome is what an admitted request tells about the tenant.
type outcome int

const (
	// outcomeNone: the caller gave up (its context was canceled) or the
	// request was never sent; nothing learned.
	outcomeNone outcome = iota
	// outcomeAnswered: an HTTP response other than 429.
	outcomeAnswered
	// outcomeRateLimited: a 429.
	outcomeRateLimited
	// outcomeUnreachable: no answer (timeout, refused or reset connection).
	outcomeUnreachable
)

// addUser and removeUser keep the limit at the lowest requestsPerSecond of
// the clients using the throttle: SailPoint's limit is per client id, so the
// most careful tenant's setting wins.
func (t *throttle) addUser(rps float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rates = append(t.rates, rps)
	t.applyRateLocked()
}

func (t *throttle) removeUser(rps float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := slices.Index(t.rates, rps); i >= 0 {
		t.rates = slices.Delete(t.rates, i, i+1)
	}
	t.applyRateLocked()
}

func (t *throttle) applyRateLocked() {
	if len(t.rates) == 0 {
		return
	}
	rps := slices.Min(t.rates)
	t.limiter.SetLimit(rate.Limit(rps))
	t.limiter.SetBurst(burst(rps))
}

// idle reports that no client uses t and it holds nothing at now.
func (t *throttle) idle(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.rates) == 0 && !now.Before(t.rateLimitedUntil) && !now.Before(t.unreachableUntil)
}

// held reports the hold in force at now, without admitting anything.
func (t *throttle) held(now time.Time) (hold, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.heldLocked(now)
}

func (t *throttle) heldLocked(now time.Time) (hold, bool) {
	h := hold{reason: HoldUnreachable}
	switch {
	case now.Before(t.rateLimitedUntil):
		h = hold{reason: HoldRateLimited, until: t.rateLimitedUntil}
	case now.Before(t.unreachableUntil):
		h.until = t.unreachableUntil
	case t.afterRateLimit && t.probing:
		h = hold{reason: HoldRateLimited, until: now.Add(probeWait)}
	case t.failures > 0 && t.probing:
		h.until = now.Add(probeWait)
	default:
		return hold{}, false
	}
	h.left = h.until.Sub(now)
	return h, true
}

// admit lets one request through unless a hold is in force. After an
// unreachable hold has passed, only one request at a time (the probe) goes
// out until one gets an answer, so that a tenant that still does not answer
// costs one timeout, not one per caller; after a 429's hold, likewise until
// one gets an answer other than 429.
func (t *throttle) admit(now time.Time) (permit, hold, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, held := t.heldLocked(now); held {
		return permit{}, h, false
	}
	p := permit{sentAt: now, probe: t.failures > 0 || t.afterRateLimit}
	t.probing = p.probe
	return p, hold{}, true
}

// settle records how an admitted request ended and returns the hold in
// force afterwards, if that request began or extended one. retryAfter is the
// parsed Retry-After of a 429.
func (t *throttle) settle(p permit, o outcome, retryAfter time.Duration, now time.Time) (hold, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.probe {
		t.probing = false
	}
	switch o {
	case outcomeNone:
		return hold{}, false
	case outcomeAnswered:
		t.failures, t.unreachableUntil, t.afterRateLimit = 0, time.Time{}, false
		return hold{}, false
	case outcomeRateLimited:
		t.failures, t.unreachableUntil, t.afterRateLimit = 0, time.Time{}, true
		t.rateLimitedUntil = laterOf(t.rateLimitedUntil, now.Add(max(retryAfter, MinRateLimitHold)))
	case outcomeUnreachable:
		t.afterRateLimit = false
		// Requests that were in flight when the last failure was recorded
		// fail for the same reason: they do not lengthen the backoff.
		if t.failures == 0 || !p.sentAt.Before(t.lastFailure) {
			t.failures++
			t.lastFailure = now
			t.unreachableUntil = laterOf(t.unreachableUntil, now.Add(unreachableHold(t.failures)))
		}
	}
	return t.heldLocked(now)
}

// unreachableHold is the hold after the given number of consecutive
// failures: UnreachableHoldBase doubling per failure, capped at
// UnreachableHoldMax, plus up to 10 % jitter.
func unreachableHold(failures int) time.Duration {
	d := UnreachableHoldBase
	for i := 1; i < failures && d < UnreachableHoldMax; i++ {
		d *= 2
	}
	return wait.Jitter(min(d, UnreachableHoldMax), unreachableHoldJitter)
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// admit waits for the shared limiter and lets one request through the
// hold. A call refused during a hold is counted, and its error is a
// *HoldError without Err. The hold is checked before the wait, so that a
// held call fails at once, and again after it, so that nothing is sent
// after a 429 that came in meanwhile.
func (c *Client) admit(ctx context.Context, description string) (permit, error) {
	if h, held := c.throttle.held(c.now()); held {
		return permit{}, c.refuse(description, h)
	}
	if err := c.throttle.limiter.Wait(ctx); err != nil {
		return permit{}, limiterError(description, err)
	}
	p, h, ok := c.throttle.admit(c.now())
	if !ok {
		return permit{}, c.refuse(description, h)
	}
	return p, nil
}

// refuse counts a call refused during hold h and returns its error.
func (c *Client) refuse(description string, h hold) error {
	heldRequestsTotal.WithLabelValues(c.tenant, h.reason).Inc()
	return c.holdError(description, h, nil)
}

// settle records the outcome of an admitted request; see throttle.settle.
func (c *Client) settle(p permit, o outcome, retryAfter time.Duration) (hold, bool) {
	return c.throttle.settle(p, o, retryAfter, c.now())
}

// withHold wraps err, the error of a request that left the client held
// (when held), in a *HoldError that tells the time left.
func (c *Client) withHold(description string, h hold, held bool, err error) error {
	if !held {
		return err
	}
	return c.holdError(description, h, err)
}

func (c *Client) holdError(description string, h hold, cause error) *HoldError {
	return &HoldError{Operation: description, Reason: h.reason, Until: h.until, Left: h.left, Err: cause}
}

// unanswered classifies a request that got no answer, err being its error
// and ctx the caller's context. The caller canceling is no fault of the
// tenant; the caller's deadline passing while the request waited for an
// answer is, like the per-attempt timeout and transport errors.
func unanswered(ctx context.Context, err error) outcome {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return outcomeNone
	case errors.Is(err, ErrUnreachable), errors.Is(ctx.Err(), context.DeadlineExceeded):
		return outcomeUnreachable
	}
	return outcomeNone
}
