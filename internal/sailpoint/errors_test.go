package sailpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Error bodies from the reference's examples.
const (
	body400 = `{"detailCode":"400.1 Bad Request Content","trackingId":"e7eab60924f64aa284175b9fa3309599","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"The request was syntactically correct but its content is semantically invalid."}],"causes":[{"locale":"en-US","localeOrigin":"REQUEST","text":"host is required"}]}`
	body401 = `{"error":"JWT validation failed: JWT is expired"}`
	body403 = `{"detailCode":"403 Forbidden","trackingId":"b21b1f7ce4da4d639f2c62a57171b427","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"The server understood the request but refuses to authorize it."}]}`
	body404 = `{"detailCode":"404 Not found","trackingId":"b21b1f7ce4da4d639f2c62a57171b427","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"The server did not find a current representation for the target resource."}]}`
	body429 = `{"message":" Rate Limit Exceeded "}`
	body500 = `{"detailCode":"500.0 Internal Fault","trackingId":"b21b1f7ce4da4d639f2c62a57171b427","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"An internal fault occurred."}]}`
)

var allSentinels = []error{ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrInvalidCredentials, ErrBadRequest, ErrNotFound, ErrServer, ErrUnreachable, ErrInvalidResponse}

func TestErrorResponsesBecomeAPIErrorsMatchingOneSentinel(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		headers  []string
		sentinel error
		want     APIError
		wantText string // "" to skip
	}{
		{
			name: "400 carries detail code, tracking id, messages and causes", status: 400, body: body400, sentinel: ErrBadRequest,
			want: APIError{StatusCode: 400, DetailCode: "400.1 Bad Request Content", TrackingID: "e7eab60924f64aa284175b9fa3309599",
				Messages: []string{"The request was syntactically correct but its content is semantically invalid.", "host is required"}},
		},
		{
			name: "401 body error string is kept", status: 401, body: body401, sentinel: ErrUnauthorized,
			want: APIError{StatusCode: 401, Messages: []string{"JWT validation failed: JWT is expired"}},
		},
		{
			name: "403 renders the documented error text", status: 403, body: body403, sentinel: ErrForbidden,
			want: APIError{StatusCode: 403, DetailCode: "403 Forbidden", TrackingID: "b21b1f7ce4da4d639f2c62a57171b427",
				Messages: []string{"The server understood the request but refuses to authorize it."}},
			wantText: `sailpoint: put okta-verify config: 403 forbidden (detailCode "403 Forbidden", trackingId "b21b1f7ce4da4d639f2c62a57171b427"): The server understood the request but refuses to authorize it.`,
		},
		{
			name: "404 maps to ErrNotFound", status: 404, body: body404, sentinel: ErrNotFound,
			want: APIError{StatusCode: 404, DetailCode: "404 Not found", TrackingID: "b21b1f7ce4da4d639f2c62a57171b427",
				Messages: []string{"The server did not find a current representation for the target resource."}},
		},
		{
			name: "429 message string is trimmed and Retry-After seconds parsed", status: 429, body: body429, headers: []string{"Retry-After", "7"},
			sentinel: ErrRateLimited,
			want:     APIError{StatusCode: 429, Messages: []string{"Rate Limit Exceeded"}, RetryAfter: 7 * time.Second},
			wantText: `sailpoint: put okta-verify config: 429 too many requests (retry after 7s): Rate Limit Exceeded`,
		},
		{
			name: "429 without Retry-After has zero RetryAfter", status: 429, body: body429, sentinel: ErrRateLimited,
			want: APIError{StatusCode: 429, Messages: []string{"Rate Limit Exceeded"}},
		},
		{
			name: "500 maps to ErrServer", status: 500, body: body500, sentinel: ErrServer,
			want: APIError{StatusCode: 500, DetailCode: "500.0 Internal Fault", TrackingID: "b21b1f7ce4da4d639f2c62a57171b427",
				Messages: []string{"An internal fault occurred."}},
		},
		{
			name: "503 with an HTML body has no messages", status: 503, body: `<html>Service Unavailable</html>`, sentinel: ErrServer,
			want:     APIError{StatusCode: 503},
			wantText: `sailpoint: put okta-verify config: 503 service unavailable`,
		},
		{
			name: "fields of unexpected types are skipped, the others kept", status: 400,
			body:     `{"detailCode":7,"trackingId":"t1","messages":"oops","error":{"nested":true},"message":"plain"}`,
			sentinel: ErrBadRequest,
			want:     APIError{StatusCode: 400, TrackingID: "t1", Messages: []string{"plain"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(respond(tt.status, tt.body, tt.headers...))
			c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = -1 })

			_, err := c.SetOktaConfig(t.Context(), testOktaConfig)

			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			want := tt.want
			want.Operation = "put okta-verify config"
			if !reflect.DeepEqual(*apiErr, want) {
				t.Errorf("APIError = %#v\nwant       %#v", *apiErr, want)
			}
			for _, sentinel := range allSentinels {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.sentinel) { //nolint:errorlint // compares two sentinels, not a returned error
					t.Errorf("errors.Is(err, %v) = %v", sentinel, got)
				}
			}
			if tt.wantText != "" && err.Error() != tt.wantText {
				t.Errorf("text = %q\nwant   %q", err.Error(), tt.wantText)
			}
			if strings.ToLower(err.Error()[:20]) != err.Error()[:20] {
				t.Errorf("error %q does not start in lower case", err)
			}
		})
	}
}

func TestRetryAfterIsParsedFromAnHTTPDate(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft)
	fc := useFakeClock(c)
	fc.now = fc.now.Truncate(time.Second)
	ft.setAPI(respond(http.StatusTooManyRequests, body429, "Retry-After", fc.now.Add(90*time.Second).UTC().Format(http.TimeFormat)))

	_, err := c.GetOktaConfig(t.Context())

	if d, ok := RetryAfter(err); !ok || d != 90*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 90s, true", d, ok)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("error %v is not ErrRateLimited", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"-3", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999999999", maxRetryAfter},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second},
		{"Sunday, 01-Mar-26 12:01:00 GMT", time.Minute},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0},
		{"Wed, 01 Mar 2028 12:00:00 GMT", maxRetryAfter},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestIsRetryableAndRetryAfterHelpers(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		retryable     bool
		retryAfter    time.Duration
		hasRetryAfter bool
	}{
		{"nil", nil, false, 0, false},
		{"429 with Retry-After", &APIError{StatusCode: 429, RetryAfter: time.Second}, true, time.Second, true},
		{"429 without Retry-After", &APIError{StatusCode: 429}, true, 0, false},
		{"503 with Retry-After", &APIError{StatusCode: 503, RetryAfter: 2 * time.Second}, true, 2 * time.Second, true},
		{"500", &APIError{StatusCode: 500}, true, 0, false},
		{"wrapped 502", fmt.Errorf("reconcile: %w", &APIError{StatusCode: 502}), true, 0, false},
		{"400", &APIError{StatusCode: 400}, false, 0, false},
		{"401", &APIError{StatusCode: 401}, false, 0, false},
		{"token endpoint 401", &APIError{StatusCode: 401, tokenEndpoint: true}, false, 0, false},
		{"transport", &TransportError{Operation: "x", Err: context.DeadlineExceeded}, true, 0, false},
		{"decode", fmt.Errorf("x: %w", ErrInvalidResponse), false, 0, false},
		{"canceled", context.Canceled, false, 0, false},
		{"refused during a 429 hold", &HoldError{Reason: HoldRateLimited, Left: 3 * time.Second}, true, 3 * time.Second, true},
		{"refused while unreachable", &HoldError{Reason: HoldUnreachable, Left: time.Second}, true, time.Second, true},
		{"429 without Retry-After that began a hold", &HoldError{Reason: HoldRateLimited, Left: time.Second, Err: &APIError{StatusCode: 429}}, true, time.Second, true},
		{"wrapped hold", fmt.Errorf("reconcile: %w", &HoldError{Reason: HoldUnreachable, Left: 2 * time.Second}), true, 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			d, ok := RetryAfter(tt.err)
			if d != tt.retryAfter || ok != tt.hasRetryAfter {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", d, ok, tt.retryAfter, tt.hasRetryAfter)
			}
		})
	}
}

func TestMalformedAndEmptyBodiesAreDecodeErrorsNotPanics(t *testing.T) {
	bodies := map[string]string{
		"empty":       "",
		"whitespace":  " \n",
		"truncated":   `{"state":"SUC`,
		"not json":    `<html>ok</html>`,
		"wrong types": `{"enabled":"yes","state":5,"status":[],"hasAnswer":"no","kbaAuthResponseItems":"x"}`,
		"wrong shape": `"just a string"`,
	}
	for _, e := range allEndpoints {
		for name, body := range bodies {
			t.Run(e.name+"/"+name, func(t *testing.T) {
				ft := newFakeTenant(t)
				ft.setAPI(respond(http.StatusOK, body))
				c := newTestClient(t, ft)

				_, err := e.call(t.Context(), c)

				emptyIsFine := e.name == "DeleteConfig" && strings.TrimSpace(body) == ""
				if emptyIsFine {
					if err != nil {
						t.Errorf("DeleteConfig with an empty body: %v", err)
					}
					return
				}
				if !errors.Is(err, ErrInvalidResponse) {
					t.Errorf("error = %v, want ErrInvalidResponse", err)
				}
				if IsRetryable(err) {
					t.Errorf("decode error %v should not be retryable", err)
				}
				if got := len(ft.requests()); got != 1 {
					t.Errorf("got %d requests, want 1 (decode errors are not retried)", got)
				}
			})
		}
	}
}

func TestOversizedBodyIsAnError(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setAPI(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"host":"`+strings.Repeat("a", maxBodySize)+`"}`)
	})
	c := newTestClient(t, ft)
	if _, err := c.GetOktaConfig(t.Context()); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("error = %v, want ErrInvalidResponse", err)
	}
}

// echoAll answers status with an error body that quotes the whole request:
// body, Authorization header and query, in every field SailPoint may fill.
func echoAll(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := fmt.Sprintf("body=%s auth=%s query=%s", body, r.Header.Get("Authorization"), r.URL.RawQuery)
		msg := []map[string]string{{"locale": "en-US", "text": echo}}
		resp, _ := json.Marshal(map[string]any{
			"detailCode": echo, "trackingId": echo, "messages": msg, "causes": msg,
			"error": echo, "error_description": echo, "message": echo,
		})
		respond(status, string(resp), "Retry-After", "1")(w, r)
	}
}

func TestErrorsNeverContainSecretsTokensOrRequestValues(t *testing.T) {
	for _, e := range allEndpoints {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 503} {
			t.Run(fmt.Sprintf("%s/%d", e.name, status), func(t *testing.T) {
				ft := newFakeTenant(t)
				ft.setAPI(echoAll(status))
				c := newTestClient(t, ft)

				_, err := e.call(t.Context(), c)

				if err == nil {
					t.Fatal("want an error")
				}
				assertNoSecrets(t, ft, err)
				if !strings.Contains(err.Error(), redacted) {
					t.Errorf("error %q shows no redaction although the server echoed the token", err)
				}
			})
		}
	}
}

func TestTokenEndpointErrorsNeverContainTheCredentials(t *testing.T) {
	for _, status := range []int{400, 401, 403, 429, 500} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setTokenFailure(echoAll(status))
			c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = -1 })

			_, err := c.Token(t.Context())

			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Operation != tokenDescription {
				t.Fatalf("error = %#v, want an *APIError with status %d", err, status)
			}
			assertNoSecrets(t, ft, err)
			if strings.Contains(err.Error(), "oauth2") {
				t.Errorf("error %q leaks oauth2's text", err)
			}
		})
	}
}

func TestAPIErrorTextWithUnknownStatus(t *testing.T) {
	err := &APIError{StatusCode: 599, Operation: "get kba config"}
	if got, want := err.Error(), "sailpoint: get kba config: 599"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrServer) {
		t.Error("599 should match ErrServer")
	}
}

// resetAfter answers with raw bytes, then resets the connection (RST, not FIN).
func resetAfter(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// page answers status with a body of the given content type.
func page(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestOddResponsesGiveTypedErrorsNeverPanics(t *testing.T) {
	const html = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`
	tests := []struct {
		name     string
		answer   http.HandlerFunc
		sentinel error
	}{
		{"502 HTML page of a proxy", page(http.StatusBadGateway, "text/html", html), ErrServer},
		{"504 with an empty body", page(http.StatusGatewayTimeout, "text/plain", ""), ErrServer},
		{"404 HTML page", page(http.StatusNotFound, "text/html", "<html>not here</html>"), ErrNotFound},
		{"200 HTML page", page(http.StatusOK, "text/html", html), ErrInvalidResponse},
		{"200 malformed JSON", page(http.StatusOK, "application/json", `{"state": SUCCESS,}`), ErrInvalidResponse},
		{"200 JSON cut short", page(http.StatusOK, "application/json", `[{"id":"17`), ErrInvalidResponse},
		{"200 empty body", page(http.StatusOK, "application/json", ""), ErrInvalidResponse},
		{"403 malformed JSON", page(http.StatusForbidden, "application/json", `{"detailCode":`), ErrForbidden},
		{"reset before any answer", resetAfter(""), ErrUnreachable},
		{"reset in the headers", resetAfter("HTTP/1.1 200 OK\r\nContent-Ty"), ErrUnreachable},
		{"reset in the body", resetAfter("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"mfaMethod\":\"okta"), ErrUnreachable},
		{"garbage instead of HTTP", resetAfter("SSH-2.0-OpenSSH_9.6\r\n"), ErrUnreachable},
	}
	for _, e := range allEndpoints {
		for _, tt := range tests {
			t.Run(e.name+"/"+tt.name, func(t *testing.T) {
				ft := newFakeTenant(t)
				ft.setAPI(tt.answer)
				c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 1 })

				_, err := e.call(t.Context(), c)

				if e.name == "DeleteConfig" && tt.name == "200 empty body" {
					if err != nil {
						t.Errorf("DeleteConfig with an empty body: %v", err)
					}
					return
				}
				if !errors.Is(err, tt.sentinel) {
					t.Fatalf("error = %v, want %v", err, tt.sentinel)
				}
				var apiErr *APIError
				var transportErr *TransportError
				if !errors.As(err, &apiErr) && !errors.As(err, &transportErr) && !errors.Is(err, ErrInvalidResponse) {
					t.Errorf("error %v is neither an *APIError, a *TransportError nor ErrInvalidResponse", err)
				}
				if strings.Contains(err.Error(), "html") || strings.Contains(err.Error(), "nginx") || strings.Contains(err.Error(), ft.server.URL) {
					t.Errorf("error %q quotes the page or the URL", err)
				}
				assertNoSecrets(t, ft, err)
			})
		}
	}
}

func TestHoldErrorsMatchTheirReasonAndSayWhatHappened(t *testing.T) {
	rateLimited := &HoldError{Operation: "get duo-web config", Reason: HoldRateLimited, Left: 2499 * time.Millisecond}
	unreachable := &HoldError{Operation: "get token", Reason: HoldUnreachable, Left: time.Second}
	cause := &TransportError{Operation: "put okta-verify config", Err: context.DeadlineExceeded}
	began := &HoldError{Operation: "put okta-verify config", Reason: HoldUnreachable, Left: 1100 * time.Millisecond, Err: cause}
	tests := []struct {
		err          *HoldError
		text         string
		is, isNot    error
		wantDeadline bool
	}{
		{rateLimited, "sailpoint: get duo-web config: not sent: rate limited, requests held for another 2.5s", ErrRateLimited, ErrUnreachable, false},
		{unreachable, "sailpoint: get token: not sent: tenant unreachable, requests held for another 1s", ErrUnreachable, ErrRateLimited, false},
		{began, "sailpoint: put okta-verify config: request failed: context deadline exceeded (requests held for 1.1s)", ErrUnreachable, ErrRateLimited, true},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.text {
			t.Errorf("text = %q, want %q", got, tt.text)
		}
		if !errors.Is(tt.err, tt.is) || errors.Is(tt.err, tt.isNot) || errors.Is(tt.err, context.DeadlineExceeded) != tt.wantDeadline {
			t.Errorf("%q: Is(%v) = %v, Is(%v) = %v", tt.text, tt.is, errors.Is(tt.err, tt.is), tt.isNot, errors.Is(tt.err, tt.isNot))
		}
	}
}

func TestAPIErrorJoinsSentencesWithoutASemicolonAfterTheirPeriod(t *testing.T) {
	e := &APIError{StatusCode: 403, Operation: "test okta-verify config", Messages: []string{
		"The server understood the request but refuses to authorize it.",
		"The user level USER is not allowed for this operation; required: ORG_ADMIN.",
	}}
	want := "sailpoint: test okta-verify config: 403 forbidden: The server understood the request but refuses to authorize it. " +
		"The user level USER is not allowed for this operation; required: ORG_ADMIN."
	if got := e.Error(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	e.Messages = []string{"invalid_client", "Bad credentials"}
	if got := e.Error(); !strings.HasSuffix(got, ": invalid_client; Bad credentials") {
		t.Errorf("got %q, want fragments joined with a semicolon", got)
	}
}
