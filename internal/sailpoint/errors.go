package sailpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is. *APIError matches the one that
// fits its status code; *TransportError matches ErrUnreachable.
var (
	// ErrUnauthorized: the API answered 401 (no or expired token), even after one fresh token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: 403, the identity lacks the scope or user level.
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: 429; see RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrInvalidCredentials: the token endpoint refused the client id and secret (400 or 401).
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrBadRequest: 400 from an API endpoint.
	ErrBadRequest = errors.New("bad request")
	// ErrNotFound: 404.
	ErrNotFound = errors.New("not found")
	// ErrServer: any 5xx.
	ErrServer = errors.New("server error")
	// ErrUnreachable: no HTTP response (DNS, connection, TLS, timeout).
	ErrUnreachable = errors.New("unreachable")
	// ErrInvalidResponse: a 2xx response whose body is missing, too large or not the expected JSON.
	ErrInvalidResponse = errors.New("invalid response")
)

// APIError is a non-2xx answer from SailPoint, from an API endpoint or from
// the token endpoint. Its text never contains credentials, tokens, request
// bodies or URL queries.
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// DetailCode is SailPoint's detailCode, e.g. "403 Forbidden".
	DetailCode string
	// TrackingID is SailPoint's trackingId, for support requests.
	TrackingID string
	// Messages holds the text of messages and causes, or the "error",
	// "error_description" and "message" strings of 401, 429 and token
	// endpoint bodies. Secret values of the request are replaced by "[redacted]".
	Messages []string
	// Operation describes the call, e.g. "put okta-verify config" or "get token".
	Operation string
	// RetryAfter is the parsed Retry-After header; 0 when absent or unparseable.
	RetryAfter time.Duration

	// tokenEndpoint is set for errors of the token endpoint, where 400 and
	// 401 mean ErrInvalidCredentials.
	tokenEndpoint bool
}

// Error renders e.g. `sailpoint: put okta-verify config: 403 forbidden
// (detailCode "403 Forbidden", trackingId "b21b..."): The server understood ...`.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sailpoint: %s: %d", e.Operation, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + strings.ToLower(text))
	}
	var details []string
	if e.DetailCode != "" {
		details = append(details, fmt.Sprintf("detailCode %q", e.DetailCode))
	}
	if e.TrackingID != "" {
		details = append(details, fmt.Sprintf("trackingId %q", e.TrackingID))
	}
	if e.RetryAfter > 0 {
		details = append(details, "retry after "+e.RetryAfter.String())
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	for i, m := range e.Messages {
		switch {
		case i == 0:
			b.WriteString(": ")
		case strings.HasSuffix(e.Messages[i-1], "."):
			b.WriteString(" ") // sentences follow each other without a "; " after their period
		default:
			b.WriteString("; ")
		}
		b.WriteString(m)
	}
	return b.String()
}

// Is maps the status code to a sentinel: 400→ErrBadRequest, 401→ErrUnauthorized,
// 403→ErrForbidden, 404→ErrNotFound, 429→ErrRateLimited, 5xx→ErrServer. For
// the token endpoint, 400 and 401 map to ErrInvalidCredentials instead.
func (e *APIError) Is(target error) bool {
	return target != nil && target == e.sentinel()
}

func (e *APIError) sentinel() error {
	switch code := e.StatusCode; {
	case e.tokenEndpoint && (code == http.StatusBadRequest || code == http.StatusUnauthorized):
		return ErrInvalidCredentials
	case code == http.StatusBadRequest:
		return ErrBadRequest
	case code == http.StatusUnauthorized:
		return ErrUnauthorized
	case code == http.StatusForbidden:
		return ErrForbidden
	case code == http.StatusNotFound:
		return ErrNotFound
	case code == http.StatusTooManyRequests:
		return ErrRateLimited
	case code >= 500:
		return ErrServer
	}
	return nil
}

// TransportError reports a request that got no HTTP response: DNS,
// connection, TLS, or the per-attempt timeout (then it wraps
// context.DeadlineExceeded). It matches ErrUnreachable.
type TransportError struct {
	// Operation describes the call, e.g. "get okta-verify config".
	Operation string
	// Err is the cause, without the request URL.
	Err error
}

// Error renders e.g. `sailpoint: get token: request failed: dial tcp ...: connection refused`.
func (e *TransportError) Error() string {
	return fmt.Sprintf("sailpoint: %s: request failed: %v", e.Operation, e.Err)
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnreachable.
func (e *TransportError) Is(target error) bool { return target == ErrUnreachable }

// HoldError reports that the client holds every request: after a 429 until
// its Retry-After has passed (Reason HoldRateLimited), or while the tenant
// does not answer (Reason HoldUnreachable). Without Err, the call was
// refused locally and nothing was sent; with Err, Err is the 429 or the
// transport error of this call that began (or lengthened) the hold.
// It matches ErrRateLimited or ErrUnreachable, after its Reason, and
// RetryAfter returns Left.
type HoldError struct {
	// Operation describes the call, e.g. "get okta-verify config".
	Operation string
	// Reason is HoldRateLimited or HoldUnreachable.
	Reason string
	// Until is when the hold ends.
	Until time.Time
	// Left is the time the hold had left when the error was made.
	Left time.Duration
	// Err is the error that began the hold; nil when the call was not sent.
	Err error
}

// Error renders e.g. `sailpoint: get duo-web config: not sent: rate limited,
// requests held for another 2.5s`, or the cause followed by
// `(requests held for 3s)` unless the cause says so already.
func (e *HoldError) Error() string {
	left := e.Left.Round(100 * time.Millisecond).String()
	if e.Err != nil {
		var apiErr *APIError
		if errors.As(e.Err, &apiErr) && apiErr.RetryAfter == e.Left {
			return e.Err.Error()
		}
		return fmt.Sprintf("%v (requests held for %s)", e.Err, left)
	}
	why := "rate limited"
	if e.Reason == HoldUnreachable {
		why = "tenant unreachable"
	}
	return fmt.Sprintf("sailpoint: %s: not sent: %s, requests held for another %s", e.Operation, why, left)
}

// Unwrap returns the error that began the hold, if any.
func (e *HoldError) Unwrap() error { return e.Err }

// Is reports ErrRateLimited or ErrUnreachable, after the reason.
func (e *HoldError) Is(target error) bool {
	switch e.Reason {
	case HoldRateLimited:
		return target == ErrRateLimited
	case HoldUnreachable:
		return target == ErrUnreachable
	}
	return false
}

// IsRetryable reports whether err is worth retrying later: a 429, a 5xx, a
// network error or a timeout, or a call refused during a hold.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrServer) || errors.Is(err, ErrUnreachable)
}

// RetryAfter returns how long the caller should wait before calling again:
// the time a hold of the client has left (*HoldError, after a 429 or while
// the tenant is unreachable), else the Retry-After header SailPoint sent with
// a 5xx. ok is false when err carries no positive wait.
func RetryAfter(err error) (d time.Duration, ok bool) {
	var holdErr *HoldError
	if errors.As(err, &holdErr) && holdErr.Left > 0 {
		return holdErr.Left, true
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

// newAPIError builds the error for a non-2xx response. Every text taken from
// the body goes through redact.
func newAPIError(operation string, status int, header http.Header, body []byte, now time.Time, redact func(string) string) *APIError {
	parsed := parseErrorBody(body)
	var messages []string
	for _, m := range parsed.messages {
		messages = append(messages, redact(m))
	}
	return &APIError{
		StatusCode: status,
		DetailCode: redact(parsed.DetailCode),
		TrackingID: redact(parsed.TrackingID),
		Messages:   messages,
		Operation:  operation,
		RetryAfter: parseRetryAfter(header.Get("Retry-After"), now),
	}
}

// errorBody is the union of SailPoint's error bodies: ErrorResponseDto (400,
// 403, 500), {"error": "..."} (401), {"message": "..."} (429), and the OAuth2
// token endpoint's {"error": "...", "error_description": "..."}.
type errorBody struct {
	ErrorResponseDto
	UnauthorizedResponse
	RateLimitedResponse
	ErrorDescription string `json:"error_description,omitempty"`

	messages []string
}

// parseErrorBody decodes what it can of an error body; fields of unexpected
// types and bodies that are not JSON are ignored.
func parseErrorBody(body []byte) errorBody {
	var parsed errorBody
	_ = json.Unmarshal(body, &parsed) // best effort: keeps the fields that decoded
	for _, m := range append(parsed.Messages, parsed.Causes...) {
		parsed.addMessage(m.Text)
	}
	parsed.addMessage(parsed.Error)
	parsed.addMessage(parsed.ErrorDescription)
	parsed.addMessage(parsed.Message)
	return parsed
}

func (b *errorBody) addMessage(s string) {
	if s = strings.TrimSpace(s); s != "" {
		b.messages = append(b.messages, s)
	}
}

// parseRetryAfter reads a Retry-After value given as delta-seconds or as an
// HTTP date. It returns 0 when the value is absent, unparseable or in the past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return clampRetryAfter(time.Duration(seconds) * time.Second)
	}
	if at, err := http.ParseTime(value); err == nil {
		return clampRetryAfter(at.Sub(now))
	}
	return 0
}

// maxRetryAfter bounds absurd Retry-After values.
const maxRetryAfter = 24 * time.Hour

func clampRetryAfter(d time.Duration) time.Duration {
	return min(max(d, 0), maxRetryAfter)
}
