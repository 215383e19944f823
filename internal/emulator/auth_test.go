package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenIsIssuedForValidCredentialsFromBodyQueryOrBasicAuth(t *testing.T) {
	h := newHarness(t, Config{})
	cases := []struct {
		name  string
		build func() *http.Request
	}{
		{"form body", func() *http.Request {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}}
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
		{"query parameters", func() *http.Request {
			q := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}}
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token?"+q.Encode(), nil)
			return r
		}},
		{"basic auth and upper-case grant", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token", strings.NewReader("grant_type=CLIENT_CREDENTIALS"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(DefaultAdminClientID, DefaultAdminClientSecret)
			return r
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.roundTrip(tc.build())
			expectStatus(t, r, http.StatusOK)
			m := r.object(t)
			want := map[string]any{
				"token_type":  "bearer",
				"expires_in":  float64(749),
				"scope":       "sp:scopes:all",
				"tenant_id":   TenantID,
				"identity_id": DefaultAdminIdentityID,
				"user_name":   DefaultAdminName,
				"org":         OrgName,
				"pod":         PodName,
				"strong_auth": true,
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			if len(field(m, "jti")) != 32 {
				t.Errorf("jti = %v", m["jti"])
			}
			tok := field(m, "access_token")
			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("access_token is not JWT-shaped: %d parts", len(parts))
			}
			claims, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			if err := json.Unmarshal(claims, &c); err != nil {
				t.Fatal(err)
			}
			if c["identity_id"] != DefaultAdminIdentityID || c["exp"] == nil {
				t.Errorf("claims = %v", c)
			}
		})
	}
}

func TestTokenEndpointRejectsBadRequests(t *testing.T) {
	h := newHarness(t, Config{})
	cases := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantError  string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {"nope"}}, 401, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"who"}, "client_secret": {DefaultAdminClientSecret}}, 401, "invalid_client"},
		{"no credentials", url.Values{"grant_type": {"client_credentials"}}, 401, "invalid_client"},
		{"missing grant", url.Values{"client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}}, 400, "invalid_request"},
		{"unsupported grant", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}}, 400, "unsupported_grant_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.postForm("/oauth/token", tc.form)
			expectStatus(t, r, tc.wantStatus)
			m := r.object(t)
			if m["error"] != tc.wantError {
				t.Errorf("error = %v, want %s", m["error"], tc.wantError)
			}
			if tc.wantStatus == 401 && m["error_description"] != "Bad credentials" {
				t.Errorf("error_description = %v", m["error_description"])
			}
		})
	}
	t.Run("GET is not allowed", func(t *testing.T) {
		r := h.send(http.MethodGet, "/oauth/token", "", nil)
		expectStatus(t, r, http.StatusMethodNotAllowed)
	})
}

func TestAPIAnswers401WithoutAValidToken(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	cases := []struct {
		name, token, want string
	}{
		{"no token", "", "JWT validation failed: JWT is missing"},
		{"unknown token", "abc.def.ghi", "JWT validation failed: JWT is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tc.token, nil)
			expectStatus(t, r, http.StatusUnauthorized)
			if got := r.object(t)["error"]; got != tc.want {
				t.Errorf("error = %v, want %q", got, tc.want)
			}
		})
	}
	t.Run("valid token", func(t *testing.T) {
		expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)
	})
	t.Run("token past its lifetime", func(t *testing.T) {
		h.clock.Advance(749 * time.Second)
		r := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil)
		expectStatus(t, r, http.StatusUnauthorized)
		if got := r.object(t)["error"]; got != jwtExpired {
			t.Errorf("error = %v", got)
		}
	})
}

func TestExpireTokensExpiresEveryIssuedTokenButNotLaterOnes(t *testing.T) {
	h := newHarness(t, Config{})
	old := h.adminToken()
	h.e.ExpireTokens()
	r := h.send(http.MethodGet, "/v3/mfa/kba/config", old, nil)
	expectStatus(t, r, http.StatusUnauthorized)
	if r.object(t)["error"] != jwtExpired {
		t.Errorf("body %s", r.body)
	}
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", h.adminToken(), nil), http.StatusOK)
}

func TestFaultTokenLifetimeShortensNewTokens(t *testing.T) {
	h := newHarness(t, Config{TokenLifetime: time.Hour})
	long := h.adminToken()
	h.e.SetFaults(Faults{TokenLifetime: 2 * time.Second})
	r := h.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret}})
	expectStatus(t, r, http.StatusOK)
	if r.object(t)["expires_in"] != float64(2) {
		t.Errorf("expires_in = %v, want 2", r.object(t)["expires_in"])
	}
	short := field(r.object(t), "access_token")
	h.clock.Advance(3 * time.Second)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", short, nil), http.StatusUnauthorized)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", long, nil), http.StatusOK)
}

func TestUserLevelIsForbiddenOnOrgAdminEndpoints(t *testing.T) {
	h := newHarness(t, Config{})
	user := h.userToken()
	cases := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v3/mfa/okta-verify/config", nil},
		{http.MethodPut, "/v3/mfa/okta-verify/config", map[string]any{"enabled": true}},
		{http.MethodGet, "/v3/mfa/duo-web/config", nil},
		{http.MethodPut, "/v3/mfa/duo-web/config", map[string]any{"enabled": true}},
		{http.MethodDelete, "/v3/mfa/okta-verify/delete", nil},
		{http.MethodGet, "/v3/mfa/duo-web/test", nil},
		{http.MethodPost, "/v3/mfa/okta-verify/poll", map[string]any{"requestId": "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			m := expectErrorDto(t, h.send(tc.method, tc.path, user, tc.body), http.StatusForbidden, "403 Forbidden")
			if !strings.Contains(causeText(m), "ORG_ADMIN") {
				t.Errorf("cause %q does not name the required level", causeText(m))
			}
		})
	}
	if _, stored := h.e.StoredOktaConfig(); stored {
		t.Error("a forbidden PUT stored a config")
	}
}

func TestUserLevelMayUseKBAAndUndeclaredEndpoints(t *testing.T) {
	h := newHarness(t, Config{})
	user := h.userToken()
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/kba/config", user, nil), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []map[string]string{{"id": "173421", "answer": "blue civic"}}), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/authenticate", user, []map[string]string{{"id": "173421", "answer": "blue civic"}}), http.StatusOK)
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/token/send", user, map[string]string{"userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"}), http.StatusOK)
	// ORG_ADMIN is a superset: it may set its own answers too.
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", h.adminToken(), []map[string]string{{"id": "173421", "answer": "red golf"}}), http.StatusOK)
}

func TestExplicitScopesAreEnforced(t *testing.T) {
	h := newHarness(t, Config{Identities: []Identity{{
		ClientID: "reader", ClientSecret: "reader-secret", IdentityID: "2c91808a7b5c3e1f017b5c9d0e1f0001",
		Name: "reader", Level: LevelOrgAdmin, Scopes: []string{"idn:mfa-configuration:read"},
	}}})
	tok := h.token("reader", "reader-secret")
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusOK)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/test", tok, nil), http.StatusOK)
	for _, path := range []string{"/v3/mfa/okta-verify/config"} {
		m := expectErrorDto(t, h.send(http.MethodPut, path, tok, map[string]any{"enabled": false}), http.StatusForbidden, "403 Forbidden")
		if !strings.Contains(causeText(m), "idn:mfa-configuration:manage") {
			t.Errorf("cause = %q", causeText(m))
		}
	}
	expectErrorDto(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil), http.StatusForbidden, "403 Forbidden")
}
