package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Faults are injected failures. The zero value injects nothing.
type Faults struct {
	// RateLimit is the number of next requests that get 429 with Retry-After and the
	// reference's body {"message":" Rate Limit Exceeded "}.
	RateLimit int
	// RetryAfter is the Retry-After of those 429s, rounded up to whole seconds; 0 means 1s.
	RetryAfter time.Duration
	// ServerErrors is the number of next requests that get 500 with an ErrorResponseDto
	// (after the rate-limited ones).
	ServerErrors int
	// Latency is added to every request except /admin/... ones.
	Latency time.Duration
	// TokenLifetime, if positive, overrides Config.TokenLifetime for tokens issued from
	// now on.
	TokenLifetime time.Duration
	// PathPrefix, if set, limits RateLimit and ServerErrors to request paths with this
	// prefix (which may be "/oauth/token"). If empty they apply to /v3/... and
	// /mfa/v1/... requests only.
	PathPrefix string

	// API versions (issue 11): v1 switched off, v3 marked deprecated. See APIVersionFaults.
	APIVersionFaults
}

// SetFaults replaces the injected faults (and their remaining counts).
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = f
}

// CurrentFaults returns the faults still to be injected.
func (e *Emulator) CurrentFaults() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faults
}

// rateLimitBody is the reference's 429 body (spaces included).
var rateLimitBody = map[string]string{"message": " Rate Limit Exceeded "}

// applyFaults sleeps for the latency, then consumes one 429 or 500 if the request is
// subject to them.
func (e *Emulator) applyFaults(r *http.Request) (response, bool) {
	e.mu.Lock()
	latency := e.faults.Latency
	e.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	f := &e.faults
	applies := strings.HasPrefix(r.URL.Path, "/v3/") || isV1Path(r.URL.Path)
	if f.PathPrefix != "" {
		applies = strings.HasPrefix(r.URL.Path, f.PathPrefix)
	}
	switch {
	case !applies:
		return response{}, false
	case f.RateLimit > 0:
		f.RateLimit--
		secs := int64(math.Ceil(f.RetryAfter.Seconds()))
		if secs <= 0 {
			secs = 1
		}
		return response{
			status: http.StatusTooManyRequests,
			body:   rateLimitBody,
			header: http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
		}, true
	case f.ServerErrors > 0:
		f.ServerErrors--
		return internalFault(), true
	}
	return response{}, false
}

// faultsJSON is Faults as /admin/faults reads and writes it. Durations are Go duration
// strings ("1.5s", "200ms") or numbers of seconds.
type faultsJSON struct {
	RateLimit     int          `json:"rateLimit"`
	RetryAfter    jsonDuration `json:"retryAfter"`
	ServerErrors  int          `json:"serverErrors"`
	Latency       jsonDuration `json:"latency"`
	TokenLifetime jsonDuration `json:"tokenLifetime"`
	PathPrefix    string       `json:"pathPrefix"`

	APIVersionFaults // v1Disabled, deprecatedV3
}

func (f faultsJSON) faults() Faults {
	return Faults{
		RateLimit:     f.RateLimit,
		RetryAfter:    time.Duration(f.RetryAfter),
		ServerErrors:  f.ServerErrors,
		Latency:       time.Duration(f.Latency),
		TokenLifetime: time.Duration(f.TokenLifetime),
		PathPrefix:    f.PathPrefix,

		APIVersionFaults: f.APIVersionFaults,
	}
}

func toFaultsJSON(f Faults) faultsJSON {
	return faultsJSON{
		RateLimit:     f.RateLimit,
		RetryAfter:    jsonDuration(f.RetryAfter),
		ServerErrors:  f.ServerErrors,
		Latency:       jsonDuration(f.Latency),
		TokenLifetime: jsonDuration(f.TokenLifetime),
		PathPrefix:    f.PathPrefix,

		APIVersionFaults: f.APIVersionFaults,
	}
}

// jsonDuration reads "1.5s" or 1.5 (seconds), and writes "1.5s".
type jsonDuration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a Go duration string or a number of seconds.
func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid duration %q: use a Go duration such as \"1.5s\" or a number of seconds", s)
		}
		*d = jsonDuration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return errors.New("a duration must be a string such as \"1.5s\" or a number of seconds")
	}
	*d = jsonDuration(secs * float64(time.Second))
	return nil
}
