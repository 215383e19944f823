package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects Logf output.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) Logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func TestNoSecretReachesTheRequestLogOrLogf(t *testing.T) {
	var logs logBuffer
	h := newHarness(t, Config{Logf: logs.Logf})

	// Every secret this test sends; none may appear in any log.
	secrets := []string{
		DefaultAdminClientSecret, DefaultUserClientSecret, DefaultAdminClientID,
		oktaKey, duoSkey, duoIkey, "duo-akey-0123456789",
		"kba-answer-one", "kba-answer-two", "kba-wrong-answer",
		signedResponse, "AUTH|d2lsbC5h",
		"q******y", // a masked value is still a value of a secret field
	}

	// Token requests: form body, query, basic auth, and a failed one.
	admin := h.adminToken()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultUserClientID}, "client_secret": {DefaultUserClientSecret}}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token?"+q.Encode(), nil)
	r := h.roundTrip(req)
	expectStatus(t, r, http.StatusOK)
	user := field(r.object(t), "access_token")
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultAdminClientID, DefaultAdminClientSecret)
	expectStatus(t, h.roundTrip(req), http.StatusOK)
	h.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultUserClientSecret}})
	secrets = append(secrets, admin, user)

	// API requests carrying secrets.
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", admin, oktaBody()), http.StatusOK)
	masked := oktaBody()
	masked["accessKey"] = "q******y"
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", admin, masked), http.StatusOK)
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/duo-web/config", admin, duoBody()), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []answer{{"id": "173421", "answer": "kba-answer-one"}, {"id": "173422", "answer": "kba-answer-two"}}), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []answer{{"id": "173421", "answer": "kba"}}), http.StatusBadRequest)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/authenticate", user, []answer{{"id": "173421", "answer": "kba-wrong-answer"}}), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/token/send", admin, map[string]string{"userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"}), http.StatusOK)
	code, _ := h.e.LastSentToken(DefaultUserName)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/token/authenticate", admin, map[string]string{"token": code, "userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"}), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/duo-web/verify", admin, map[string]string{"userId": DefaultUserIdentityID, "signedResponse": signedResponse}), http.StatusOK)
	// A body that is not JSON cannot be redacted field by field: it is not logged.
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", admin, `{"accessKey":"`+oktaKey+`"`), http.StatusBadRequest)
	secrets = append(secrets, code)

	inProcess, _ := json.Marshal(h.e.Requests())
	overHTTP := h.send(http.MethodGet, "/admin/requests", "", nil)
	expectStatus(t, overHTTP, http.StatusOK)
	for name, text := range map[string]string{
		"Requests()":      string(inProcess),
		"/admin/requests": string(overHTTP.body),
		"Logf":            logs.String(),
	} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q", name, s)
			}
		}
	}

	// The redacted log still tells what happened.
	reqs := h.e.Requests()
	byPath := map[string][]Request{}
	for _, r := range reqs {
		byPath[r.Method+" "+r.Path] = append(byPath[r.Method+" "+r.Path], r)
	}
	put := byPath["PUT /v3/mfa/okta-verify/config"][0]
	var body map[string]any
	if err := json.Unmarshal([]byte(put.Body), &body); err != nil {
		t.Fatalf("logged body %q: %v", put.Body, err)
	}
	if body["accessKey"] != "***" || body["host"] != "acme.okta.com" || put.ClientID != DefaultAdminName || put.Status != 200 {
		t.Errorf("logged PUT = %+v", put)
	}
	if notes := byPath["PUT /v3/mfa/okta-verify/config"][1].Notes; len(notes) != 1 {
		t.Errorf("masked PUT notes = %v", notes)
	}
	duo := byPath["PUT /v3/mfa/duo-web/config"][0].Body
	if !strings.Contains(duo, `"configProperties":{"ikey":"***","skey":"***"}`) {
		t.Errorf("logged duo body = %s", duo)
	}
	if got := byPath["POST /v3/mfa/kba/config/answers"][0].Body; got != `[{"answer":"***","id":"173421"},{"answer":"***","id":"173422"}]` {
		t.Errorf("logged answers body = %s", got)
	}
	tokenReqs := byPath["POST /oauth/token"]
	if len(tokenReqs) != 4 || !strings.Contains(tokenReqs[1].Query, "client_secret=%2A%2A%2A") || tokenReqs[3].Status != 401 || tokenReqs[3].ClientID != "" {
		t.Errorf("logged token requests = %+v", tokenReqs)
	}
	if !strings.HasPrefix(byPath["PUT /v3/mfa/okta-verify/config"][2].Body, "<body that is not valid JSON") {
		t.Errorf("invalid JSON body logged as %q", byPath["PUT /v3/mfa/okta-verify/config"][2].Body)
	}
	if !strings.Contains(logs.String(), "PUT /v3/mfa/okta-verify/config identity=admin status=200 duration=") {
		t.Errorf("Logf output:\n%s", logs.String())
	}
	for _, r := range reqs {
		if strings.HasPrefix(r.Path, "/admin") {
			t.Errorf("admin request logged: %+v", r)
		}
	}
}

func TestRedactBodyHidesNestedSecrets(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"token":{"nested":"x"}}`, `{"token":{"nested":"***"}}`},
		{`{"a":[{"Access_Key":"k"}],"answer":null}`, `{"a":[{"Access_Key":"***"}],"answer":null}`},
		{`{"configProperties":{"ikey":"i","other":["a",1]}}`, `{"configProperties":{"ikey":"***","other":["***","***"]}}`},
		{`{"answer":12345,"id":7}`, `{"answer":"***","id":7}`},
	}
	for _, tc := range cases {
		if got := redactBody("application/json", []byte(tc.in)); got != tc.want {
			t.Errorf("redactBody(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestAdminEndpoints(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}}), http.StatusOK)

	if n := len(h.send(http.MethodGet, "/admin/requests", "", nil).array(t)); n != 3 {
		t.Errorf("%d logged requests, want 3", n)
	}
	expectStatus(t, h.send(http.MethodDelete, "/admin/requests", "", nil), http.StatusNoContent)
	if n := len(h.e.Requests()); n != 0 {
		t.Errorf("%d requests after DELETE", n)
	}

	expectStatus(t, h.send(http.MethodPost, "/admin/reset", "", nil), http.StatusNoContent)
	if _, found := h.e.StoredOktaConfig(); found {
		t.Error("config survived reset")
	}
	if len(h.e.Answers(DefaultAdminIdentityID)) != 0 {
		t.Error("answers survived reset")
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK) // tokens survive reset

	expectStatus(t, h.send(http.MethodPost, "/admin/expire-tokens", "", nil), http.StatusNoContent)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusUnauthorized)

	expectStatus(t, h.send(http.MethodGet, "/admin/reset", "", nil), http.StatusMethodNotAllowed)
	expectStatus(t, h.send(http.MethodGet, "/admin/nothing", "", nil), http.StatusNotFound)

	// Only loopback clients may use them.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/admin/reset", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	h.e.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("non-loopback admin call: %d", rec.Code)
	}
}

func TestConcurrentRequestsAreSafe(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				body := oktaBody()
				body["host"] = fmt.Sprintf("h%d-%d.okta.com", i, j)
				h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, body)
				h.send(http.MethodGet, "/v3/mfa/okta-verify/test", tok, nil)
				h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}})
			}
		}()
	}
	wg.Wait()
	if n := h.e.CountRequests("", "/v3/mfa/okta-verify/config"); n != 80 {
		t.Errorf("CountRequests = %d, want 80", n)
	}
}
