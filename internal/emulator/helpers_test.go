package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// harness runs an Emulator behind httptest and talks to it with net/http only.
type harness struct {
	t     *testing.T
	e     *Emulator
	srv   *httptest.Server
	clock *fakeClock
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	e := New(cfg)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, e: e, srv: srv, clock: clock}
}

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r reply) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return v
}

func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body is not a JSON object: %s", r.body)
	}
	return m
}

func (r reply) array(t *testing.T) []any {
	t.Helper()
	a, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("body is not a JSON array: %s", r.body)
	}
	return a
}

// send makes a request. body may be nil, a string (sent raw as JSON) or any value
// (JSON-encoded). hdr are extra header name/value pairs.
func (h *harness) send(method, path, token string, body any, hdr ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return h.roundTrip(req)
}

func (h *harness) roundTrip(req *http.Request) reply {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

// postForm posts an urlencoded form to path.
func (h *harness) postForm(path string, form url.Values) reply {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.roundTrip(req)
}

// token obtains an access token for the credentials, failing the test otherwise.
func (h *harness) token(clientID, secret string) string {
	h.t.Helper()
	r := h.postForm("/oauth/token", url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {clientID},
		"client_secret": {secret},
	})
	if r.status != http.StatusOK {
		h.t.Fatalf("token: status %d: %s", r.status, r.body)
	}
	tok, _ := r.object(h.t)["access_token"].(string)
	if tok == "" {
		h.t.Fatalf("token: no access_token in %s", r.body)
	}
	return tok
}

func (h *harness) adminToken() string {
	return h.token(DefaultAdminClientID, DefaultAdminClientSecret)
}

func (h *harness) userToken() string {
	return h.token(DefaultUserClientID, DefaultUserClientSecret)
}

// expectStatus fails the test when r has another status.
func expectStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.body)
	}
}

// expectErrorDto checks an ErrorResponseDto body with the given detailCode.
func expectErrorDto(t *testing.T, r reply, status int, detail string) map[string]any {
	t.Helper()
	expectStatus(t, r, status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	m := r.object(t)
	if m["detailCode"] != detail {
		t.Errorf("detailCode = %v, want %q", m["detailCode"], detail)
	}
	if id, _ := m["trackingId"].(string); len(id) != 32 {
		t.Errorf("trackingId = %v, want 32 hex characters", m["trackingId"])
	}
	msgs, _ := m["messages"].([]any)
	if len(msgs) == 0 {
		t.Fatalf("no messages in %s", r.body)
	}
	msg, _ := msgs[0].(map[string]any)
	for _, k := range []string{"locale", "localeOrigin", "text"} {
		if _, found := msg[k]; !found {
			t.Errorf("messages[0] has no %q: %s", k, r.body)
		}
	}
	if _, found := m["causes"].([]any); !found {
		t.Errorf("causes is not a list: %s", r.body)
	}
	return m
}

// causeText returns the first cause's text of an ErrorResponseDto.
func causeText(m map[string]any) string {
	causes, _ := m["causes"].([]any)
	if len(causes) == 0 {
		return ""
	}
	c, _ := causes[0].(map[string]any)
	s, _ := c["text"].(string)
	return s
}

// field returns a string field of a JSON object ("" if absent or not a string).
func field(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
