package emulator

import (
	"net/http"
	"strings"
	"testing"
)

func TestV1ServesTheSevenConfigurationOperationsOnTheSameStateAsV3(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()

	expectStatus(t, h.send(http.MethodPut, "/mfa/v1/okta-verify/config", tok, oktaBody()), http.StatusOK)
	v3 := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil)
	expectStatus(t, v3, http.StatusOK)
	if got := field(v3.object(t), "host"); got != "acme.okta.com" {
		t.Errorf("v3 GET after a v1 PUT: host = %q, want acme.okta.com", got)
	}
	v1 := h.send(http.MethodGet, "/mfa/v1/okta-verify/config", tok, nil)
	expectStatus(t, v1, http.StatusOK)
	if got := field(v1.object(t), "accessKey"); got == oktaBody()["accessKey"] || !strings.Contains(got, "******") {
		t.Errorf("v1 GET must mask the access key, got %q", got)
	}

	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/duo-web/config", tok, duoBody()), http.StatusOK)
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/duo-web/config", tok, nil), http.StatusOK)
	if got := field(h.send(http.MethodGet, "/mfa/v1/okta-verify/test", tok, nil).object(t), "state"); got != "SUCCESS" {
		t.Errorf("v1 test of the stored okta config: state = %q, want SUCCESS", got)
	}
	if n := len(h.send(http.MethodGet, "/mfa/v1/kba/config", tok, nil).array(t)); n != len(DefaultQuestions()) {
		t.Errorf("v1 kba questions = %d, want %d", n, len(DefaultQuestions()))
	}
	answers := []map[string]string{{"id": "173421", "answer": "first car"}, {"id": "173422", "answer": "Lisbon"}}
	expectStatus(t, h.send(http.MethodPost, "/mfa/v1/kba/config/answers", tok, answers), http.StatusOK)
	auth := h.send(http.MethodPost, "/v3/mfa/kba/authenticate", tok, answers)
	if got := field(auth.object(t), "status"); got != "SUCCESS" {
		t.Errorf("v3 authenticate with the answers set through v1: status = %q, want SUCCESS", got)
	}
}

func TestV1HasNoDeleteAndNoControllerOperations(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	for _, tc := range []struct{ method, path string }{
		{http.MethodDelete, "/mfa/v1/okta-verify/delete"},
		{http.MethodPost, "/mfa/v1/token/send"},
		{http.MethodPost, "/mfa/v1/okta-verify/poll"},
		{http.MethodPost, "/mfa/v1/duo-web/verify"},
		{http.MethodPost, "/mfa/v1/kba/authenticate"},
		{http.MethodPost, "/mfa/v1/okta-verify/verify"},
		{http.MethodPost, "/mfa/v1/token/authenticate"},
	} {
		expectErrorDto(t, h.send(tc.method, tc.path, tok, "{}"), http.StatusNotFound, detailNotFound)
	}
}

func TestV1AppliesTheSameAuthScopesAndFaultsAsV3(t *testing.T) {
	h := newHarness(t, Config{})
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/okta-verify/config", "", nil), http.StatusUnauthorized)
	expectErrorDto(t, h.send(http.MethodGet, "/mfa/v1/okta-verify/config", h.userToken(), nil), http.StatusForbidden, detailForbidden)

	tok := h.adminToken()
	h.e.SetFaults(Faults{RateLimit: 1, ServerErrors: 1})
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/kba/config", tok, nil), http.StatusTooManyRequests)
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/kba/config", tok, nil), http.StatusInternalServerError)
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/kba/config", tok, nil), http.StatusOK)
	if n := h.e.CountRequests(http.MethodGet, "/mfa/v1/kba/config"); n != 3 {
		t.Errorf("request log has %d GET /mfa/v1/kba/config, want 3", n)
	}
}

func TestV1DisabledAnswers404OnEveryV1PathBeforeAuthAndFaults(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetFaults(Faults{RateLimit: 1, APIVersionFaults: APIVersionFaults{V1Disabled: true}})
	expectErrorDto(t, h.send(http.MethodGet, "/mfa/v1/okta-verify/config", "", nil), http.StatusNotFound, detailNotFound)
	expectErrorDto(t, h.send(http.MethodPut, "/mfa/v1/okta-verify/config", tok, oktaBody()), http.StatusNotFound, detailNotFound)
	if f := h.e.CurrentFaults(); f.RateLimit != 1 {
		t.Errorf("a v1 request of a tenant without v1 consumed a 429 fault: RateLimit = %d", f.RateLimit)
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusTooManyRequests)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)
}

func TestDeprecatedV3MarksEveryV3ResponseAndNothingElse(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	if got := h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil).header.Get("X-Deprecated"); got != "" {
		t.Errorf("X-Deprecated = %q without the switch", got)
	}
	h.e.SetFaults(Faults{ServerErrors: 1, APIVersionFaults: APIVersionFaults{DeprecatedV3: true}})
	for _, r := range []reply{
		h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil),        // the faulted 500
		h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil),        // 200
		h.send(http.MethodGet, "/v3/mfa/okta-verify/config", "", nil), // 401
	} {
		if got := r.header.Get("X-Deprecated"); got != "true" {
			t.Errorf("v3 response %d: X-Deprecated = %q, want true", r.status, got)
		}
	}
	if got := h.send(http.MethodGet, "/mfa/v1/kba/config", tok, nil).header.Get("X-Deprecated"); got != "" {
		t.Errorf("v1 response: X-Deprecated = %q, want none", got)
	}
}

func TestAdminFaultsSetAndReportTheAPIVersionSwitches(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.send(http.MethodPut, "/admin/faults", "", `{"v1Disabled":true,"deprecatedV3":true}`)
	expectStatus(t, r, http.StatusOK)
	if m := r.object(t); m["v1Disabled"] != true || m["deprecatedV3"] != true {
		t.Errorf("PUT /admin/faults answered %v", m)
	}
	if f := h.e.CurrentFaults(); !f.V1Disabled || !f.DeprecatedV3 {
		t.Errorf("faults after PUT = %+v", f)
	}
	expectStatus(t, h.send(http.MethodGet, "/mfa/v1/kba/config", h.adminToken(), nil), http.StatusNotFound)
	h.e.Reset()
	if f := h.e.CurrentFaults(); f.V1Disabled || f.DeprecatedV3 {
		t.Errorf("Reset kept the switches: %+v", f)
	}
}
