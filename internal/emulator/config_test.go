package emulator

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const (
	oktaKey = "qw123Y3QlA5UqocYpdU3rEkzrK2D497y"
	duoSkey = "qwERttyZx1CdlQye2Vwtbsjr3HKddy4BAiCXjc5x"
	duoIkey = "Q123WE45R6TY7890ZXCV"
)

func oktaBody() map[string]any {
	return map[string]any{
		"mfaMethod":         "okta-verify",
		"enabled":           true,
		"host":              "acme.okta.com",
		"accessKey":         oktaKey,
		"identityAttribute": "email",
	}
}

func duoBody() map[string]any {
	return map[string]any{
		"mfaMethod":         "duo-web",
		"enabled":           true,
		"host":              "api-123456.duosecurity.com",
		"accessKey":         "duo-akey-0123456789",
		"identityAttribute": "uid",
		"configProperties":  map[string]any{"ikey": duoIkey, "skey": duoSkey},
	}
}

func TestMaskShowsFirstAndLastCharacter(t *testing.T) {
	cases := map[string]string{
		oktaKey:    "q******y",
		duoSkey:    "q******x",
		"dY":       "******",
		"x":        "******",
		"d******Y": "d******Y",
		"éclairÉ":  "é******É",
	}
	for in, want := range cases {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigBeforeAnyPutIsADisabledDefaultWithNullFields(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	for _, method := range []string{"okta-verify", "duo-web"} {
		t.Run(method, func(t *testing.T) {
			r := h.send(http.MethodGet, "/v3/mfa/"+method+"/config", tok, nil)
			expectStatus(t, r, http.StatusOK)
			m := r.object(t)
			if m["mfaMethod"] != method || m["enabled"] != false {
				t.Errorf("body %s", r.body)
			}
			for _, k := range []string{"host", "accessKey", "identityAttribute"} {
				if v, found := m[k]; !found || v != nil {
					t.Errorf("%s = %v (present %v), want null", k, v, found)
				}
			}
		})
	}
}

func TestOktaPutAndGetMaskTheAccessKeyAndStoreItInClear(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	want := map[string]any{
		"mfaMethod":         "okta-verify",
		"enabled":           true,
		"host":              "acme.okta.com",
		"accessKey":         "q******y",
		"identityAttribute": "email",
	}
	put := h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody())
	expectStatus(t, put, http.StatusOK)
	if got := put.object(t); !reflect.DeepEqual(got, want) {
		t.Errorf("PUT answered %v, want %v", got, want)
	}
	get := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil)
	expectStatus(t, get, http.StatusOK)
	if got := get.object(t); !reflect.DeepEqual(got, want) {
		t.Errorf("GET answered %v, want %v", got, want)
	}
	stored, found := h.e.StoredOktaConfig()
	if !found || stored != (OktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"}) {
		t.Errorf("stored %+v", stored)
	}
	if strings.Contains(string(put.body)+string(get.body), oktaKey) {
		t.Error("a response carries the access key in clear")
	}
}

func TestDuoPutMasksSkeyAndShowsIkey(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	r := h.send(http.MethodPut, "/v3/mfa/duo-web/config", tok, duoBody())
	expectStatus(t, r, http.StatusOK)
	for _, resp := range []reply{r, h.send(http.MethodGet, "/v3/mfa/duo-web/config", tok, nil)} {
		m := resp.object(t)
		props, _ := m["configProperties"].(map[string]any)
		if props["ikey"] != duoIkey || props["skey"] != "q******x" {
			t.Errorf("configProperties = %v", props)
		}
		if m["accessKey"] != "d******9" || m["mfaMethod"] != "duo-web" {
			t.Errorf("body %s", resp.body)
		}
		if strings.Contains(string(resp.body), duoSkey) {
			t.Error("skey in clear")
		}
	}
	stored, _ := h.e.StoredDuoConfig()
	if stored.ConfigProperties["skey"] != duoSkey {
		t.Errorf("stored skey not in clear: %v", stored.ConfigProperties)
	}
}

func TestPutIsAFullReplacement(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
	r := h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, map[string]any{"host": "other.okta.com"})
	expectStatus(t, r, http.StatusOK)
	m := r.object(t)
	if m["enabled"] != false || m["accessKey"] != nil || m["identityAttribute"] != nil || m["host"] != "other.okta.com" {
		t.Errorf("PUT answered %s", r.body)
	}
	stored, _ := h.e.StoredOktaConfig()
	if stored != (OktaConfig{Host: "other.okta.com"}) {
		t.Errorf("stored %+v", stored)
	}
}

func TestPutWithAMaskedSecretStoresItAsSentAndNotesIt(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
	body := oktaBody()
	body["accessKey"] = "q******y"
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, body), http.StatusOK)
	stored, _ := h.e.StoredOktaConfig()
	if stored.AccessKey != "q******y" {
		t.Errorf("stored access key %q, want the masked value as sent", stored.AccessKey)
	}
	reqs := h.e.Requests()
	last := reqs[len(reqs)-1]
	if !reflect.DeepEqual(last.Notes, []string{"masked value sent for accessKey"}) {
		t.Errorf("notes = %v", last.Notes)
	}
	r := h.send(http.MethodGet, "/v3/mfa/okta-verify/test", tok, nil)
	if got := r.object(t)["error"]; got != "Invalid access key." {
		t.Errorf("test of a masked key: error = %v", got)
	}
}

func TestDeleteReturnsTheRemovedConfigMaskedAndClearsIt(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/duo-web/config", tok, duoBody()), http.StatusOK)

	r := h.send(http.MethodDelete, "/v3/mfa/okta-verify/delete", tok, nil)
	expectStatus(t, r, http.StatusOK)
	if m := r.object(t); m["accessKey"] != "q******y" || m["enabled"] != true || m["host"] != "acme.okta.com" {
		t.Errorf("DELETE answered %s", r.body)
	}
	if _, found := h.e.StoredOktaConfig(); found {
		t.Error("okta config still stored")
	}
	if m := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil).object(t); m["enabled"] != false || m["host"] != nil {
		t.Errorf("GET after DELETE = %v", m)
	}

	r = h.send(http.MethodDelete, "/v3/mfa/duo-web/delete", tok, nil)
	expectStatus(t, r, http.StatusOK)
	m := r.object(t)
	if _, found := m["configProperties"]; found || m["mfaMethod"] != "duo-web" || m["accessKey"] != "d******9" {
		t.Errorf("duo DELETE answered %s, want the MfaOktaConfig shape", r.body)
	}

	again := h.send(http.MethodDelete, "/v3/mfa/duo-web/delete", tok, nil)
	expectStatus(t, again, http.StatusOK)
	if again.object(t)["enabled"] != false {
		t.Errorf("second DELETE answered %s", again.body)
	}
}

func TestConfigTestStateFollowsTheStoredConfig(t *testing.T) {
	disabled := oktaBody()
	disabled["enabled"] = false
	badKey := oktaBody()
	badKey["accessKey"] = "invalid-key-1234"
	noHost := oktaBody()
	delete(noHost, "host")
	schemeHost := oktaBody()
	schemeHost["host"] = "https://acme.okta.com"
	noAttr := oktaBody()
	delete(noAttr, "identityAttribute")
	noKey := oktaBody()
	delete(noKey, "accessKey")
	duoNoSkey := duoBody()
	duoNoSkey["configProperties"] = map[string]any{"ikey": duoIkey}
	duoNoIkey := duoBody()
	duoNoIkey["configProperties"] = map[string]any{"skey": duoSkey}
	duoBadSkey := duoBody()
	duoBadSkey["configProperties"] = map[string]any{"ikey": duoIkey, "skey": "INVALID-skey"}
	duoDisabled := duoBody()
	duoDisabled["enabled"] = false

	cases := []struct {
		name      string
		cfg       Config
		method    string
		body      map[string]any // nil: nothing stored
		wantState string
		wantError any
	}{
		{"okta not configured", Config{}, "okta-verify", nil, "FAILED", "MFA Method is not configured."},
		{"okta valid", Config{}, "okta-verify", oktaBody(), "SUCCESS", nil},
		{"okta disabled", Config{}, "okta-verify", disabled, "FAILED", "MFA Method is disabled."},
		{"okta key starting with invalid", Config{}, "okta-verify", badKey, "FAILED", "Invalid access key."},
		{"okta key not in the valid list", Config{ValidAccessKeys: []string{"only-this-key"}}, "okta-verify", oktaBody(), "FAILED", "Invalid access key."},
		{"okta key in the valid list", Config{ValidAccessKeys: []string{oktaKey}}, "okta-verify", oktaBody(), "SUCCESS", nil},
		{"okta no host", Config{}, "okta-verify", noHost, "FAILED", "Host is not configured."},
		{"okta host with scheme", Config{}, "okta-verify", schemeHost, "FAILED", msgBadHost},
		{"okta no identity attribute", Config{}, "okta-verify", noAttr, "FAILED", "Identity attribute is not configured."},
		{"okta no key", Config{}, "okta-verify", noKey, "FAILED", "Access key is not configured."},
		{"duo not configured", Config{}, "duo-web", nil, "FAILED", "MFA Method is not configured."},
		{"duo valid", Config{}, "duo-web", duoBody(), "SUCCESS", nil},
		{"duo disabled", Config{}, "duo-web", duoDisabled, "FAILED", "MFA Method is disabled."},
		{"duo without skey", Config{}, "duo-web", duoNoSkey, "FAILED", "Secret key (skey) is not configured."},
		{"duo without ikey", Config{}, "duo-web", duoNoIkey, "FAILED", "Integration key (ikey) is not configured."},
		{"duo invalid skey", Config{}, "duo-web", duoBadSkey, "FAILED", "Invalid secret key."},
		{"duo skey in the valid list", Config{ValidAccessKeys: []string{duoSkey}}, "duo-web", duoBody(), "SUCCESS", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			tok := h.adminToken()
			if tc.body != nil {
				expectStatus(t, h.send(http.MethodPut, "/v3/mfa/"+tc.method+"/config", tok, tc.body), http.StatusOK)
			}
			r := h.send(http.MethodGet, "/v3/mfa/"+tc.method+"/test", tok, nil)
			expectStatus(t, r, http.StatusOK)
			m := r.object(t)
			if m["state"] != tc.wantState || m["error"] != tc.wantError {
				t.Errorf("got %s, want state %s error %v", r.body, tc.wantState, tc.wantError)
			}
			if _, found := m["error"]; !found {
				t.Errorf("error key missing (must be null on success): %s", r.body)
			}
		})
	}
}

func TestDriftHelpersChangeWhatTheAPIReturns(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	h.e.SetOktaConfig(OktaConfig{Enabled: true, Host: "drift.okta.com", AccessKey: "drifted-key", IdentityAttribute: "uid"})
	m := h.send(http.MethodGet, "/v3/mfa/okta-verify/config", tok, nil).object(t)
	if m["host"] != "drift.okta.com" || m["accessKey"] != "d******y" {
		t.Errorf("GET after SetOktaConfig = %v", m)
	}
	props := map[string]any{"ikey": "I", "skey": "S-secret"}
	h.e.SetDuoConfig(DuoConfig{Enabled: true, ConfigProperties: props})
	props["skey"] = "changed by caller"
	if stored, _ := h.e.StoredDuoConfig(); stored.ConfigProperties["skey"] != "S-secret" {
		t.Errorf("SetDuoConfig kept a reference to the caller's map")
	}
	h.e.DeleteConfig("okta-verify")
	h.e.DeleteConfig("duo-web")
	if _, found := h.e.StoredOktaConfig(); found {
		t.Error("okta still stored")
	}
	if _, found := h.e.StoredDuoConfig(); found {
		t.Error("duo still stored")
	}
}

func TestRequestErrorsUseErrorResponseDto(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	cases := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		status      int
		detail      string
	}{
		{"unknown method value on test", http.MethodGet, "/v3/mfa/kba/test", nil, "", 400, "400.2 Bad Request Param"},
		{"unknown method value on delete", http.MethodDelete, "/v3/mfa/sms/delete", nil, "", 400, "400.2 Bad Request Param"},
		{"unknown method value on poll", http.MethodPost, "/v3/mfa/push/poll", map[string]string{"requestId": "x"}, "", 400, "400.2 Bad Request Param"},
		{"bad JSON", http.MethodPut, "/v3/mfa/okta-verify/config", `{"enabled": tru`, "", 400, "400.1 Bad Request Content"},
		{"wrong JSON type", http.MethodPut, "/v3/mfa/okta-verify/config", `{"enabled": "yes"}`, "", 400, "400.1 Bad Request Content"},
		{"empty body", http.MethodPut, "/v3/mfa/okta-verify/config", "", "", 400, "400.1 Bad Request Content"},
		{"null body", http.MethodPut, "/v3/mfa/okta-verify/config", "null", "", 400, "400.1 Bad Request Content"},
		{"trailing data", http.MethodPut, "/v3/mfa/okta-verify/config", `{} {}`, "", 400, "400.1 Bad Request Content"},
		{"mfaMethod of the other method", http.MethodPut, "/v3/mfa/okta-verify/config", map[string]any{"mfaMethod": "duo-web"}, "", 400, "400.1 Bad Request Content"},
		{"not JSON content type", http.MethodPut, "/v3/mfa/okta-verify/config", `{}`, "text/plain", 415, "415 Unsupported Media Type"},
		{"wrong HTTP method", http.MethodDelete, "/v3/mfa/okta-verify/config", nil, "", 405, "405 Method Not Allowed"},
		{"unknown path", http.MethodGet, "/v3/mfa/okta-verify/settings", nil, "", 404, "404 Not found"},
		{"config of an unknown method", http.MethodGet, "/v3/mfa/sms/config", nil, "", 404, "404 Not found"},
		{"not an MFA path", http.MethodGet, "/v3/sources", nil, "", 404, "404 Not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{}
			if tc.contentType != "" {
				hdr = append(hdr, "Content-Type", tc.contentType)
			}
			r := h.send(tc.method, tc.path, tok, tc.body, hdr...)
			expectErrorDto(t, r, tc.status, tc.detail)
			if tc.status == 405 && r.header.Get("Allow") != "GET, PUT" {
				t.Errorf("Allow = %q", r.header.Get("Allow"))
			}
		})
	}
	if _, stored := h.e.StoredOktaConfig(); stored {
		t.Error("a refused PUT stored a config")
	}
}
