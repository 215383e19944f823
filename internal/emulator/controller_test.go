package emulator

import (
	"net/http"
	"regexp"
	"testing"
)

const signedResponse = "AUTH|d2lsbC5hbGJpbnxESTZNMFpHSThKQVRWTVpZN0M5VXwxNzAxMjUzMDg5|f1f5f8ced5b340f3d303b05d0efa0e43b6a8f970:APP|d2lsbC5hbGJpbnxESTZNMFpHSThKQVRWTVpZN0M5VXwxNzAxMjU2NjE5|cb44cf44353f5127edcae31b1da0355f87357db2"

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestTokenSendAndAuthenticate(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	send := func(alias, delivery string) map[string]any {
		t.Helper()
		r := h.send(http.MethodPost, "/v3/mfa/token/send", tok, map[string]string{"userAlias": alias, "deliveryType": delivery})
		expectStatus(t, r, http.StatusOK)
		return r.object(t)
	}
	authenticate := func(code, delivery string) string {
		t.Helper()
		r := h.send(http.MethodPost, "/v3/mfa/token/authenticate", tok, map[string]string{"token": code, "userAlias": DefaultUserName, "deliveryType": delivery})
		expectStatus(t, r, http.StatusOK)
		return field(r.object(t), "status")
	}

	t.Run("unknown alias fails with a message", func(t *testing.T) {
		m := send("nobody", "EMAIL_WORK")
		if m["status"] != "FAILED" || m["requestId"] != nil || field(m, "errorMessage") == "" {
			t.Errorf("got %v", m)
		}
	})
	t.Run("no code sent yet", func(t *testing.T) {
		if got := authenticate("123456", "EMAIL_WORK"); got != "FAILED" {
			t.Errorf("status %s", got)
		}
	})
	t.Run("right code succeeds once", func(t *testing.T) {
		m := send(DefaultUserName, "SMS_PERSONAL")
		if m["status"] != "SUCCESS" || !requestIDPattern.MatchString(field(m, "requestId")) || m["errorMessage"] != nil {
			t.Errorf("send answered %v", m)
		}
		code, ok := h.e.LastSentToken(DefaultUserName)
		if !ok || !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
			t.Fatalf("LastSentToken = %q, %v", code, ok)
		}
		if got := authenticate(code, "EMAIL_WORK"); got != "FAILED" {
			t.Errorf("other delivery type: %s", got)
		}
		if got := authenticate(code, "SMS_PERSONAL"); got != "SUCCESS" {
			t.Errorf("right code: %s", got)
		}
		if got := authenticate(code, "SMS_PERSONAL"); got != "FAILED" {
			t.Errorf("code reused: %s", got)
		}
	})
	t.Run("three wrong codes lock out until the next send", func(t *testing.T) {
		send(DefaultUserName, "EMAIL_WORK")
		code, _ := h.e.LastSentToken(DefaultUserName)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i, want := range []string{"FAILED", "FAILED", "LOCKOUT"} {
			if got := authenticate(wrong, "EMAIL_WORK"); got != want {
				t.Errorf("wrong attempt %d: %s, want %s", i+1, got, want)
			}
		}
		if got := authenticate(code, "EMAIL_WORK"); got != "LOCKOUT" {
			t.Errorf("right code while locked out: %s", got)
		}
		send(DefaultUserName, "EMAIL_WORK")
		code, _ = h.e.LastSentToken(DefaultUserName)
		if got := authenticate(code, "EMAIL_WORK"); got != "SUCCESS" {
			t.Errorf("after a new send: %s", got)
		}
	})
	t.Run("token poll follows the send", func(t *testing.T) {
		id := field(send(DefaultUserName, "VOICE_WORK"), "requestId")
		poll := func() string {
			r := h.send(http.MethodPost, "/v3/mfa/token/poll", tok, map[string]string{"requestId": id})
			expectStatus(t, r, http.StatusOK)
			return field(r.object(t), "status")
		}
		if got := poll(); got != "PENDING" {
			t.Errorf("before authenticate: %s", got)
		}
		code, _ := h.e.LastSentToken(DefaultUserName)
		authenticate(code, "VOICE_WORK")
		if got := poll(); got != "SUCCESS" {
			t.Errorf("after authenticate: %s", got)
		}
	})
	t.Run("invalid requests are 400s", func(t *testing.T) {
		for _, body := range []map[string]string{
			{"userAlias": DefaultUserName, "deliveryType": "CARRIER_PIGEON"},
			{"userAlias": DefaultUserName},
			{"deliveryType": "EMAIL_WORK"},
		} {
			expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/token/send", tok, body), 400, "400.1 Bad Request Content")
		}
		expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/token/authenticate", tok, map[string]string{"userAlias": DefaultUserName, "deliveryType": "EMAIL_WORK"}), 400, "400.1 Bad Request Content")
	})
}

func TestOktaVerifyIsPendingThenReachesItsFinalState(t *testing.T) {
	cases := []struct {
		name, userID, want, wantErr string
		pendingPolls                int
		wantPending                 int
	}{
		{"approved", "will.albin@example.com", "SUCCESS", "", 0, 1},
		{"denied", "deny.me@example.com", "FAILED", errDenied, 0, 1},
		{"locked out", "LOCKOUT@example.com", "LOCKOUT", errLockout, 0, 1},
		{"three pending polls", "slow@example.com", "SUCCESS", "", 3, 3},
		{"no pending poll", "fast@example.com", "SUCCESS", "", -1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{PendingPolls: tc.pendingPolls})
			tok := h.adminToken()
			expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)
			r := h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", tok, map[string]string{"userId": tc.userID}, "slpt-forwarding", "203.0.113.7")
			expectStatus(t, r, http.StatusOK)
			m := r.object(t)
			id := field(m, "requestId")
			if m["status"] != "PENDING" || m["error"] != "" || !requestIDPattern.MatchString(id) {
				t.Fatalf("verify answered %s", r.body)
			}
			poll := func() map[string]any {
				r := h.send(http.MethodPost, "/v3/mfa/okta-verify/poll", tok, map[string]string{"requestId": id})
				expectStatus(t, r, http.StatusOK)
				return r.object(t)
			}
			for i := 0; i < tc.wantPending; i++ {
				if got := poll(); got["status"] != "PENDING" || got["requestId"] != id {
					t.Fatalf("poll %d: %v", i+1, got)
				}
			}
			for i := 0; i < 2; i++ { // the final state is stable
				if got := poll(); got["status"] != tc.want || got["error"] != tc.wantErr {
					t.Errorf("final poll: %v, want %s %q", got, tc.want, tc.wantErr)
				}
			}
		})
	}
}

func TestOktaVerifyRefusals(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	body := map[string]string{"userId": "will.albin@example.com"}

	r := h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", tok, body, "slpt-forwarding", "203.0.113.7")
	if m := r.object(t); m["status"] != "FAILED" || m["error"] != msgNotConfigured || m["requestId"] != nil {
		t.Errorf("without config: %s", r.body)
	}
	disabled := oktaBody()
	disabled["enabled"] = false
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, disabled), http.StatusOK)
	r = h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", tok, body, "slpt-forwarding", "203.0.113.7")
	if m := r.object(t); m["status"] != "FAILED" || m["error"] != msgDisabled {
		t.Errorf("disabled: %s", r.body)
	}
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/okta-verify/config", tok, oktaBody()), http.StatusOK)

	m := expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", tok, body), 400, "400.2 Bad Request Param")
	if causeText(m) == "" {
		t.Error("no cause for the missing header")
	}
	expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", tok, map[string]string{}, "slpt-forwarding", "203.0.113.7"), 400, "400.1 Bad Request Content")

	// A USER may verify but not poll (poll is ORG_ADMIN only).
	user := h.userToken()
	r = h.send(http.MethodPost, "/v3/mfa/okta-verify/verify", user, body, "slpt-forwarding", "203.0.113.7")
	expectStatus(t, r, http.StatusOK)
	id := field(r.object(t), "requestId")
	expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/okta-verify/poll", user, map[string]string{"requestId": id}), 403, "403 Forbidden")

	for _, tc := range []struct{ path, id string }{
		{"/v3/mfa/okta-verify/poll", "0123456789abcdef0123456789abcdef"},
		{"/v3/mfa/duo-web/poll", id},
		{"/v3/mfa/kba/poll", id},
		{"/v3/mfa/rsa/poll", id},
		{"/v3/mfa/okta-verify/poll", ""},
	} {
		expectErrorDto(t, h.send(http.MethodPost, tc.path, tok, map[string]string{"requestId": tc.id}), 400, "400.1 Bad Request Content")
	}
}

func TestDuoVerify(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.adminToken()
	verify := func(userID, signed string) map[string]any {
		t.Helper()
		r := h.send(http.MethodPost, "/v3/mfa/duo-web/verify", tok, map[string]string{"userId": userID, "signedResponse": signed})
		expectStatus(t, r, http.StatusOK)
		return r.object(t)
	}
	if m := verify(DefaultUserIdentityID, signedResponse); m["status"] != "FAILED" || m["error"] != msgNotConfigured {
		t.Errorf("without config: %v", m)
	}
	expectStatus(t, h.send(http.MethodPut, "/v3/mfa/duo-web/config", tok, duoBody()), http.StatusOK)

	for _, bad := range []string{"garbage", "AUTH|a|b", "AUTH|a|b:APP|c", "APP|a|b:AUTH|c|d", "AUTH||b:APP|c|d"} {
		if m := verify(DefaultUserIdentityID, bad); m["status"] != "FAILED" || m["error"] != msgInvalidSignedResp || m["requestId"] != nil {
			t.Errorf("signedResponse %q: %v", bad, m)
		}
	}

	m := verify(DefaultUserIdentityID, signedResponse)
	id := field(m, "requestId")
	if m["status"] != "PENDING" || !requestIDPattern.MatchString(id) {
		t.Fatalf("valid verify: %v", m)
	}
	for _, want := range []string{"PENDING", "SUCCESS"} {
		r := h.send(http.MethodPost, "/v3/mfa/duo-web/poll", tok, map[string]string{"requestId": id})
		if got := field(r.object(t), "status"); got != want {
			t.Errorf("poll: %s, want %s", got, want)
		}
	}
	expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/okta-verify/poll", tok, map[string]string{"requestId": id}), 400, "400.1 Bad Request Content")
	expectErrorDto(t, h.send(http.MethodPost, "/v3/mfa/duo-web/verify", tok, map[string]string{"userId": "x"}), 400, "400.1 Bad Request Content")
}
