package emulator

import (
	"net/http"
	"testing"
)

func TestAdminIndexListsEveryAdminEndpoint(t *testing.T) {
	h := newHarness(t, Config{})
	for _, path := range []string{"/admin/", "/admin"} {
		r := h.send(http.MethodGet, path, "", nil)
		expectStatus(t, r, http.StatusOK)
		eps, _ := r.object(t)["endpoints"].([]any)
		if len(eps) != len(adminEndpoints) {
			t.Fatalf("GET %s lists %d endpoints, want %d: %s", path, len(eps), len(adminEndpoints), r.body)
		}
		// Every endpoint it lists answers its first method.
		for _, ep := range adminEndpoints {
			if ep.Methods[0] != http.MethodGet {
				continue
			}
			expectStatus(t, h.send(http.MethodGet, ep.Path, "", nil), http.StatusOK)
		}
	}
	r := h.send(http.MethodPost, "/admin/", "", nil)
	expectStatus(t, r, http.StatusMethodNotAllowed)
	if got := r.header.Get("Allow"); got != http.MethodGet {
		t.Errorf("Allow %q", got)
	}
	expectStatus(t, h.send(http.MethodGet, "/admin/nosuch", "", nil), http.StatusNotFound)
}

func TestAdminSentTokensShowsTheCodeThatTokenSendMadeUp(t *testing.T) {
	h := newHarness(t, Config{})
	if got := h.send(http.MethodGet, "/admin/sent-tokens", "", nil).array(t); len(got) != 0 {
		t.Fatalf("codes before any send: %v", got)
	}
	tok := h.adminToken()
	sent := h.send(http.MethodPost, "/v3/mfa/token/send", tok, map[string]string{"userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"}).object(t)

	list := h.send(http.MethodGet, "/admin/sent-tokens", "", nil).array(t)
	if len(list) != 1 {
		t.Fatalf("sent tokens %v, want one", list)
	}
	got := list[0].(map[string]any)
	code, _ := h.e.LastSentToken(DefaultUserName)
	if got["userAlias"] != DefaultUserName || got["deliveryType"] != "EMAIL_WORK" || got["code"] != code ||
		got["requestId"] != sent["requestId"] || got["status"] != statusPending {
		t.Errorf("got %v, want the code %s of request %v, PENDING", got, code, sent["requestId"])
	}

	// The code shown is the one that authenticates.
	r := h.send(http.MethodPost, "/v3/mfa/token/authenticate", tok, map[string]string{"token": got["code"].(string), "userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"})
	if field(r.object(t), "status") != "SUCCESS" {
		t.Errorf("authenticating with the shown code: %s", r.body)
	}
}
