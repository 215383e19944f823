package emulator

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func newSetHarness(t *testing.T, maxTenants int) (*harness, *Set) {
	t.Helper()
	set := NewSet(Config{}, maxTenants)
	srv := httptest.NewServer(set.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv}, set
}

func TestSetTenantsHaveTheirOwnStateAndTenantID(t *testing.T) {
	h, set := newSetHarness(t, 2)
	ids := map[string]string{}
	for _, prefix := range []string{"", "/tenants/a", "/tenants/b"} {
		r := h.postForm(prefix+"/oauth/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret},
		})
		expectStatus(t, r, http.StatusOK)
		ids[prefix] = field(r.object(t), "tenant_id")
	}
	if ids[""] != TenantID || ids["/tenants/a"] == ids["/tenants/b"] || ids["/tenants/a"] == TenantID {
		t.Fatalf("tenant ids %v: want the default one at the root and a distinct one per tenant", ids)
	}

	tokA := h.token(DefaultAdminClientID, DefaultAdminClientSecret) // the root's token
	r := h.send(http.MethodGet, "/tenants/a/v3/mfa/okta-verify/config", tokA, nil)
	expectStatus(t, r, http.StatusUnauthorized) // tokens are per tenant

	r = h.postForm("/tenants/a/oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {DefaultAdminClientID}, "client_secret": {DefaultAdminClientSecret},
	})
	tokA = field(r.object(t), "access_token")
	cfg := map[string]any{"mfaMethod": "okta-verify", "enabled": true, "host": "a.okta.com", "accessKey": "okta-key-a", "identityAttribute": "email"}
	expectStatus(t, h.send(http.MethodPut, "/tenants/a/v3/mfa/okta-verify/config", tokA, cfg), http.StatusOK)
	if got := field(h.send(http.MethodGet, "/tenants/a/v3/mfa/okta-verify/config", tokA, nil).object(t), "host"); got != "a.okta.com" {
		t.Fatalf("tenant a's host = %q", got)
	}
	if got := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", h.adminToken(), nil).object(t)["host"]; got != nil {
		t.Fatalf("the default tenant sees tenant a's config: host %v", got)
	}

	expectStatus(t, h.send(http.MethodGet, "/tenants/c/v3/mfa/okta-verify/config", "", nil), http.StatusNotFound) // beyond max
	expectStatus(t, h.send(http.MethodGet, "/tenants/a/admin/requests", "", nil), http.StatusNotFound)

	var put, tokensA int
	for _, req := range set.Requests() {
		switch {
		case req.Method == http.MethodPut && req.Path == "/tenants/a/v3/mfa/okta-verify/config":
			put++
		case req.Path == "/tenants/a/oauth/token":
			tokensA++
		}
	}
	if put != 1 || tokensA != 2 {
		t.Fatalf("request log: %d PUTs and %d token requests of tenant a, want 1 and 2", put, tokensA)
	}
	set.ResetRequests()
	if n := len(set.Requests()); n != 0 {
		t.Fatalf("%d requests after ResetRequests", n)
	}
}

func TestSetFaultsApplyToEveryTenantAndLaterOnes(t *testing.T) {
	h, set := newSetHarness(t, 2)
	h.postForm("/tenants/a/oauth/token", url.Values{}) // creates tenant a
	set.SetFaults(Faults{ServerErrors: 1})
	tok := h.token(DefaultAdminClientID, DefaultAdminClientSecret)
	expectStatus(t, h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil), http.StatusInternalServerError)
	for _, name := range []string{"a", "b"} {
		r := h.send(http.MethodGet, "/tenants/"+name+"/v3/mfa/okta-verify/config", "", nil)
		expectStatus(t, r, http.StatusInternalServerError)
	}
}
