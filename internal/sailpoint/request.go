package sailpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// maxBodySize bounds the response bodies the client reads.
const maxBodySize = 1 << 20

// request describes one API call.
type request struct {
	operation   string      // metric label, e.g. "GetOktaConfig"
	description string      // for errors, e.g. "get okta-verify config"
	method      string      // HTTP method
	path        string      // below /v3, e.g. /mfa/kba/config, path parameters escaped
	config      bool        // one of the seven configuration operations, also served under /mfa/v1
	api         string      // APIVersionV1 or APIVersionV3, chosen by do
	query       url.Values  // optional
	header      http.Header // optional extra headers
	body        any         // JSON request body; nil for none
	retry       bool        // idempotent: retried after a 5xx or a network error
	emptyOK     bool        // an empty 2xx body leaves the result at its zero value
}

// response is a complete HTTP response of one attempt.
type response struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool   // the body was longer than maxBodySize
	token     string // the access token the request carried
	hold      hold   // the hold in force after the answer, when held
	held      bool
}

// call runs req and decodes the 2xx body into a new T.
func call[T any](ctx context.Context, c *Client, req request) (*T, error) {
	var out T
	if err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do runs req with authentication, rate limit, hold and retries, and
// decodes a 2xx body into out. Any other status becomes an *APIError, and a
// 429 a *HoldError wrapping it.
func (c *Client) do(ctx context.Context, req request, out any) error {
	var payload []byte
	if req.body != nil {
		var err error
		if payload, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("sailpoint: %s: encode request: %w", req.description, err)
		}
	}
	req.api = c.apiFor(req)
	resp, err := c.sendWithRetries(ctx, req, payload)
	if err == nil && c.fallBack(req, resp) {
		req.api = APIVersionV3
		resp, err = c.sendWithRetries(ctx, req, payload)
	}
	if err != nil {
		return err
	}
	if resp.status < 200 || resp.status > 299 {
		redact := c.redactor(resp.token, sensitiveValues(payload)...)
		apiErr := newAPIError(req.description, resp.status, resp.header, resp.body, c.now(), redact)
		return c.withHold(req.description, resp.hold, resp.held, apiErr)
	}
	if resp.truncated {
		return fmt.Errorf("sailpoint: %s: %w: body larger than %d bytes", req.description, ErrInvalidResponse, maxBodySize)
	}
	return decodeBody(req.description, resp.body, req.emptyOK, out)
}

// apiFor is the API version req goes to: v3 for everything but the
// configuration operations, which follow the client's configuration API.
func (c *Client) apiFor(req request) string {
	if !req.config {
		return APIVersionV3
	}
	return c.ConfigurationAPI()
}

// fallBack reports whether req, sent to /mfa/v1, must be sent again to v3:
// with ConfigurationAPIAuto a 404 there means the tenant does not serve the
// v1 API. The first such 404 switches the whole client to v3 and is reported
// once through onFallback.
func (c *Client) fallBack(req request, resp *response) bool {
	if req.api != APIVersionV1 || c.configAPI != ConfigurationAPIAuto || resp.status != http.StatusNotFound {
		return false
	}
	if c.useV3.CompareAndSwap(false, true) && c.onFallback != nil {
		c.onFallback(req.operation)
	}
	return true
}

// urlPath is the URL path of req below the base URL.
func (req request) urlPath() string {
	if req.api == APIVersionV1 {
		return "/mfa/v1" + strings.TrimPrefix(req.path, "/mfa")
	}
	return "/v3" + req.path
}

// noteDeprecated counts a response that carries X-Deprecated: true, and
// reports the first one of the client through onDeprecated.
func (c *Client) noteDeprecated(operation string, header http.Header) {
	if !strings.EqualFold(strings.TrimSpace(header.Get(headerDeprecated)), "true") {
		return
	}
	deprecatedResponsesTotal.WithLabelValues(c.tenant, operation).Inc()
	if c.onDeprecated != nil {
		c.deprecatedOnce.Do(func() { c.onDeprecated(operation) })
	}
}

// headerDeprecated is SailPoint's signal that an endpoint is deprecated.
const headerDeprecated = "X-Deprecated"

// decodeBody decodes a JSON body into out. An empty body is an error unless emptyOK.
func decodeBody(description string, body []byte, emptyOK bool, out any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return fmt.Errorf("sailpoint: %s: %w: empty body", description, ErrInvalidResponse)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("sailpoint: %s: %w: %w", description, ErrInvalidResponse, err)
	}
	return nil
}

// sendWithRetries sends req and, for idempotent requests, retries 5xx
// answers (the token endpoint's included) at most MaxRetries times, with the
// delays of retryBackoff.
//
// Only answers are retried within a call. A 429, a timeout or a refused or
// reset connection holds the client (see Client) and ends the call at once,
// with the time left in its error: retrying a 429 here would send through
// its Retry-After, and retrying a timeout would cost up to MaxRetries+1
// timeouts (4 × 30 s by default) while every other caller of the tenant waits
// its own; the caller calls again after RetryAfter instead, and the hold
// makes sure nobody else spends a timeout meanwhile. A retry that finds the
// client held (another call got a 429 in between) stops with that hold.
func (c *Client) sendWithRetries(ctx context.Context, req request, payload []byte) (*response, error) {
	var resp *response
	var err error
	attempts := 0
	attempt := func(ctx context.Context) (done bool, _ error) {
		attempts++
		resp, err = c.sendAuthorized(ctx, req, payload)
		return !req.retry || attempts > c.maxRetries || !worthRetrying(resp, err), nil
	}
	// The loop ends early only when ctx does; the last attempt's result is
	// then the answer, not ctx's error.
	_ = c.retryBackoff().DelayFunc().Until(ctx, true, true, attempt)
	return resp, err
}

// worthRetrying reports a 5xx answer, including one of the token request.
func worthRetrying(resp *response, err error) bool {
	if err != nil {
		var holdErr *HoldError
		return errors.Is(err, ErrServer) && !errors.As(err, &holdErr)
	}
	return resp.status >= 500
}

// retryBackoff is the delay before each retry: RetryBaseDelay doubling up
// to RetryMaxDelay, each drawn from the upper half of its step (so within
// [RetryBaseDelay/2, RetryBaseDelay], [RetryBaseDelay, 2×RetryBaseDelay], ...).
func (c *Client) retryBackoff() wait.Backoff {
	return wait.Backoff{
		Duration: c.retryBase / 2,
		Factor:   2,
		Jitter:   1,
		Steps:    c.maxRetries,
		Cap:      c.retryMax / 2,
	}
}

// sendAuthorized sends req with the cached token. On a 401 it drops that
// token and sends once more with a fresh one.
func (c *Client) sendAuthorized(ctx context.Context, req request, payload []byte) (*response, error) {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, req, payload, tok.value)
	if err != nil || resp.status != http.StatusUnauthorized {
		return resp, err
	}
	c.tokens.drop(tok)
	if tok, err = c.accessToken(ctx); err != nil {
		return nil, err
	}
	return c.send(ctx, req, payload, tok.value)
}

// send makes one attempt through the limiter and the hold, then records
// what the answer (or its absence) says about the tenant.
func (c *Client) send(ctx context.Context, req request, payload []byte, token string) (*response, error) {
	p, err := c.admit(ctx, req.description)
	if err != nil {
		return nil, err
	}
	resp, err := c.roundTrip(ctx, req, payload, token)
	if err != nil {
		h, held := c.settle(p, unanswered(ctx, err), 0)
		return nil, c.withHold(req.description, h, held, err)
	}
	o, retryAfter := outcomeAnswered, time.Duration(0)
	if resp.status == http.StatusTooManyRequests {
		o, retryAfter = outcomeRateLimited, parseRetryAfter(resp.header.Get("Retry-After"), c.now())
	}
	resp.hold, resp.held = c.settle(p, o, retryAfter)
	return resp, nil
}

// roundTrip sends req and reads the response within the per-attempt timeout.
func (c *Client) roundTrip(ctx context.Context, req request, payload []byte, token string) (*response, error) {
	attemptCtx, cancel := context.WithTimeout(withOperation(ctx, req.operation), c.timeout)
	defer cancel()
	httpReq, err := c.newHTTPRequest(attemptCtx, req, payload, token)
	if err != nil {
		return nil, fmt.Errorf("sailpoint: %s: cannot build the request", req.description)
	}
	httpResp, err := c.httpClient.Do(httpReq)
	if err != nil {
		return nil, attemptError(ctx, req.description, err)
	}
	defer httpResp.Body.Close()
	c.noteDeprecated(req.operation, httpResp.Header)
	body, err := io.ReadAll(io.LimitReader(httpResp.Body, maxBodySize+1))
	if err != nil {
		return nil, attemptError(ctx, req.description, err)
	}
	resp := &response{status: httpResp.StatusCode, header: httpResp.Header, body: body, token: token}
	if len(body) > maxBodySize {
		resp.body, resp.truncated = body[:maxBodySize], true
	}
	return resp, nil
}

func (c *Client) newHTTPRequest(ctx context.Context, req request, payload []byte, token string) (*http.Request, error) {
	target := c.baseURL + req.urlPath()
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	httpReq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, err
	}
	for name, values := range req.header {
		httpReq.Header[name] = slices.Clone(values)
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("Authorization", "Bearer "+token)
	if payload != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	return httpReq, nil
}

// attemptError classifies the failure of an attempt: the caller's context
// ended, or a *TransportError (without the request URL).
func attemptError(ctx context.Context, description string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sailpoint: %s: %w", description, ctx.Err())
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return &TransportError{Operation: description, Err: err}
}

// limiterError reports that the client-side rate limit would not let a
// request through before ctx ends.
func limiterError(description string, err error) error {
	return fmt.Errorf("sailpoint: %s: client-side rate limit: %w", description, err)
}

// redactor returns a function that replaces the client credentials, token and
// the given values in a text with "[redacted]". Longer values win.
func (c *Client) redactor(token string, values ...string) func(string) string {
	secrets := append([]string{c.credentials.ClientID, c.credentials.ClientSecret, token}, values...)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, redacted)
		}
	}
	return strings.NewReplacer(pairs...).Replace
}

// sensitiveKeys are the request body fields whose values are secret; every
// string below configProperties is secret too.
var sensitiveKeys = map[string]bool{
	"accessKey":        true,
	"answer":           true,
	"token":            true,
	"signedResponse":   true,
	"configProperties": true,
}

// sensitiveValues lists the secret strings of a JSON request body.
func sensitiveValues(payload []byte) []string {
	var doc any
	if json.Unmarshal(payload, &doc) != nil {
		return nil
	}
	var values []string
	collectSensitive(doc, false, &values)
	return values
}

func collectSensitive(v any, secret bool, values *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for key, child := range v {
			collectSensitive(child, secret || sensitiveKeys[key], values)
		}
	case []any:
		for _, child := range v {
			collectSensitive(child, secret, values)
		}
	case string:
		if secret {
			*values = append(*values, v)
		}
	}
}
