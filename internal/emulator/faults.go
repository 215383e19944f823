package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
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

	// Connection faults: a tenant that answers badly or not at all. The counts are "the
	// next N requests" like RateLimit and ServerErrors, honour PathPrefix the same way,
	// and are served after them in this order.

	// Resets is the number of next requests whose connection is reset (TCP RST) without
	// an answer.
	Resets int
	// Hangs is the number of next requests that get no answer until the client goes
	// away (or the faults are replaced).
	Hangs int
	// HTMLErrors is the number of next requests answered 502 with a text/html page, as a
	// proxy in front of the tenant does.
	HTMLErrors int
	// MalformedBodies is the number of next requests answered 200 with a JSON content
	// type and a body that is not valid JSON.
	MalformedBodies int
	// NeverAnswer, if set, makes every request hang (NeverAnswerHang) or have its
	// connection reset (NeverAnswerReset) until the faults are replaced: a tenant that
	// never answers. Without PathPrefix it applies to every non-admin request, the token
	// endpoint included.
	NeverAnswer string
	// API versions (issue 11): v1 switched off, v3 marked deprecated. See APIVersionFaults.
	APIVersionFaults
}

// Values of Faults.NeverAnswer.
const (
	NeverAnswerHang  = "hang"
	NeverAnswerReset = "reset"
)

// SetFaults replaces the injected faults (and their remaining counts). Requests
// hanging because of the previous faults are let go: their connections are closed
// without an answer.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = f
	e.releaseHangsLocked()
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
	case f.NeverAnswer != "" && (applies || f.PathPrefix == ""):
		return e.neverAnswerLocked(r, f.NeverAnswer), true
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
	return e.connectionFaultLocked(r)
}

// connectionFaultLocked consumes one of the connection faults, if any is pending.
// The caller holds e.mu and has checked PathPrefix.
func (e *Emulator) connectionFaultLocked(r *http.Request) (response, bool) {
	f := &e.faults
	switch {
	case f.Resets > 0:
		f.Resets--
		return resetConnection(), true
	case f.Hangs > 0:
		f.Hangs--
		return e.hangLocked(r), true
	case f.HTMLErrors > 0:
		f.HTMLErrors--
		return rawResponse(http.StatusBadGateway, "text/html", htmlErrorPage), true
	case f.MalformedBodies > 0:
		f.MalformedBodies--
		return rawResponse(http.StatusOK, "application/json", malformedBody), true
	}
	return response{}, false
}

func (e *Emulator) neverAnswerLocked(r *http.Request, mode string) response {
	if mode == NeverAnswerReset {
		return resetConnection()
	}
	return e.hangLocked(r)
}

// htmlErrorPage is what nginx answers when the tenant behind it is down.
const htmlErrorPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// malformedBody is JSON cut short.
const malformedBody = `{"mfaMethod":"okta-verify","enabled":tru`

// rawResponse writes body as it is, with the given content type.
func rawResponse(status int, contentType, body string) response {
	return response{status: status, raw: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}}
}

// resetConnection answers nothing and resets the connection (RST, not FIN). The
// request log shows status 0.
func resetConnection() response {
	return response{raw: func(w http.ResponseWriter) { closeWithoutAnswer(w, true) }}
}

// hangLocked answers nothing to r until its client goes away or the faults are
// replaced, then closes the connection. The request log shows status 0.
func (e *Emulator) hangLocked(r *http.Request) response {
	if e.unhang == nil {
		e.unhang = make(chan struct{})
	}
	release := e.unhang
	return response{raw: func(w http.ResponseWriter) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		closeWithoutAnswer(w, false)
	}}
}

// closeWithoutAnswer closes the connection of w without writing anything; with
// reset, as a TCP RST.
func closeWithoutAnswer(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection without an answer
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// releaseHangsLocked lets the hanging requests go. The caller holds e.mu.
func (e *Emulator) releaseHangsLocked() {
	if e.unhang != nil {
		close(e.unhang)
		e.unhang = nil
	}
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

	// Connection faults.
	Resets           int    `json:"resets"`
	Hangs            int    `json:"hangs"`
	HTMLErrors       int    `json:"htmlErrors"`
	MalformedBodies  int    `json:"malformedBodies"`
	NeverAnswer      string `json:"neverAnswer"`
	APIVersionFaults        // v1Disabled, deprecatedV3
}

func (f faultsJSON) faults() Faults {
	return Faults{
		RateLimit:     f.RateLimit,
		RetryAfter:    time.Duration(f.RetryAfter),
		ServerErrors:  f.ServerErrors,
		Latency:       time.Duration(f.Latency),
		TokenLifetime: time.Duration(f.TokenLifetime),
		PathPrefix:    f.PathPrefix,

		Resets:           f.Resets,
		Hangs:            f.Hangs,
		HTMLErrors:       f.HTMLErrors,
		MalformedBodies:  f.MalformedBodies,
		NeverAnswer:      f.NeverAnswer,
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

		Resets:           f.Resets,
		Hangs:            f.Hangs,
		HTMLErrors:       f.HTMLErrors,
		MalformedBodies:  f.MalformedBodies,
		NeverAnswer:      f.NeverAnswer,
		APIVersionFaults: f.APIVersionFaults,
	}
}

// CheckConnectionFaults reports what is wrong with the connection faults of f, for
// the admin endpoint and the command's flags; nil when they are valid.
func (f Faults) CheckConnectionFaults() error {
	switch {
	case f.Resets < 0 || f.Hangs < 0 || f.HTMLErrors < 0 || f.MalformedBodies < 0:
		return errors.New("resets, hangs, htmlErrors and malformedBodies must not be negative")
	case f.NeverAnswer != "" && f.NeverAnswer != NeverAnswerHang && f.NeverAnswer != NeverAnswerReset:
		return fmt.Errorf("neverAnswer must be %q, %q or empty", NeverAnswerHang, NeverAnswerReset)
	}
	return nil
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
