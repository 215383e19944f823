package sailpoint_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// These tests run the client against the emulator, which was written from the API reference
// independently of the client: the two agreeing on every endpoint is evidence that both
// follow the reference.

func newEmulatorClient(t *testing.T, clientID, clientSecret string, cfg emulator.Config) (*sailpoint.Client, *emulator.Emulator) {
	t.Helper()
	emu := emulator.New(cfg)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	c, err := sailpoint.New(sailpoint.Options{
		BaseURL: srv.URL, ClientID: clientID, ClientSecret: clientSecret,
		RequestsPerSecond: 100, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond,
		Tenant: "test/emulator",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, emu
}

func adminClient(t *testing.T) (*sailpoint.Client, *emulator.Emulator) {
	return newEmulatorClient(t, emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret, emulator.Config{})
}

func TestEmulatorConfigurationEndpointsRoundTrip(t *testing.T) {
	ctx := context.Background()
	c, emu := adminClient(t)

	info, err := c.Token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if info.IdentityID != emulator.DefaultAdminIdentityID || info.ExpiresAt.IsZero() {
		t.Fatalf("token info = %+v", info)
	}

	okta := sailpoint.MfaOktaConfig{MfaMethod: "okta-verify", Enabled: true, Host: "acme.okta.com", AccessKey: "okta-key-0001", IdentityAttribute: "email"}
	put, err := c.SetOktaConfig(ctx, okta)
	if err != nil {
		t.Fatalf("put okta: %v", err)
	}
	if put.AccessKey == okta.AccessKey || put.AccessKey == "" {
		t.Fatalf("PUT response must mask the access key, got %q", put.AccessKey)
	}
	if stored, _ := emu.StoredOktaConfig(); stored.AccessKey != okta.AccessKey {
		t.Fatal("the emulator did not store the real access key")
	}
	got, err := c.GetOktaConfig(ctx)
	if err != nil || got.Host != okta.Host || !got.Enabled || got.IdentityAttribute != "email" {
		t.Fatalf("get okta = %+v, %v", got, err)
	}
	if res, err := c.TestConfig(ctx, sailpoint.MethodOktaVerify); err != nil || res.State != sailpoint.TestStateSuccess {
		t.Fatalf("test okta = %+v, %v", res, err)
	}

	duo := sailpoint.MfaDuoConfig{MfaMethod: "duo-web", Enabled: false, Host: "api-1.duosecurity.com", AccessKey: "duo-access",
		IdentityAttribute: "uid", ConfigProperties: map[string]any{"ikey": "DIXXXXXXXXXXXXXXXXXX", "skey": "duo-secret-key-0001"}}
	if _, err := c.SetDuoConfig(ctx, duo); err != nil {
		t.Fatalf("put duo: %v", err)
	}
	gotDuo, err := c.GetDuoConfig(ctx)
	if err != nil || gotDuo.IKey() != "DIXXXXXXXXXXXXXXXXXX" || gotDuo.SKey() == "duo-secret-key-0001" {
		t.Fatalf("get duo = %v, %v (ikey in clear, skey masked)", gotDuo, err)
	}
	if res, err := c.TestConfig(ctx, sailpoint.MethodDuoWeb); err != nil || res.State != sailpoint.TestStateFailed || res.Error != "MFA Method is disabled." {
		t.Fatalf("test of a disabled duo = %+v, %v", res, err)
	}

	if _, err := c.DeleteConfig(ctx, sailpoint.MethodOktaVerify); err != nil {
		t.Fatalf("delete okta: %v", err)
	}
	if _, ok := emu.StoredOktaConfig(); ok {
		t.Fatal("okta config still stored after DELETE")
	}
}

func TestEmulatorKBAEndpoints(t *testing.T) {
	ctx := context.Background()
	c, emu := adminClient(t)

	questions, err := c.GetKbaConfig(ctx, false)
	if err != nil || len(questions) != len(emulator.DefaultQuestions()) {
		t.Fatalf("kba config = %d questions, %v", len(questions), err)
	}
	all, err := c.GetKbaConfig(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	translated := 0
	for _, q := range all {
		if len(q.Texts()) > 1 {
			translated++
		}
	}
	if translated == 0 {
		t.Fatal("allLanguages=true returned no multi-locale question text")
	}

	answers := []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "Volvo 240"}, {ID: "173423", Answer: "Biscuit"}}
	resp, err := c.SetKbaAnswers(ctx, answers)
	if err != nil {
		t.Fatalf("set answers: %v", err)
	}
	answered := 0
	for _, item := range resp {
		if item.HasAnswer {
			answered++
		}
	}
	if answered != 2 {
		t.Fatalf("%d questions answered in the response, want 2", answered)
	}
	if got := emu.Answers(emulator.DefaultAdminIdentityID); got["173423"] != "Biscuit" {
		t.Fatal("the emulator did not store the answer")
	}

	auth, err := c.AuthenticateKba(ctx, answers)
	if err != nil || auth.Status != sailpoint.VerificationSuccess {
		t.Fatalf("kba authenticate = %+v, %v", auth, err)
	}
	auth, err = c.AuthenticateKba(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "wrong answer"}})
	if err != nil || auth.Status != sailpoint.VerificationFailed {
		t.Fatalf("kba authenticate with a wrong answer = %+v, %v", auth, err)
	}

	_, err = c.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "no-such-question", Answer: "long enough"}})
	var apiErr *sailpoint.APIError
	if !errors.Is(err, sailpoint.ErrBadRequest) || !errors.As(err, &apiErr) || apiErr.TrackingID == "" {
		t.Fatalf("unknown question: err = %v, want a 400 APIError with a trackingId", err)
	}
}

func TestEmulatorControllerEndpoints(t *testing.T) {
	ctx := context.Background()
	c, emu := adminClient(t)
	if _, err := c.SetOktaConfig(ctx, sailpoint.MfaOktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: "okta-key-0001", IdentityAttribute: "email"}); err != nil {
		t.Fatal(err)
	}

	v, err := c.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: "jane@example.com"}, "203.0.113.7")
	if err != nil || v.Status != sailpoint.VerificationPending || v.RequestID == "" {
		t.Fatalf("okta verify = %+v, %v", v, err)
	}
	poll := func() sailpoint.VerificationStatus {
		r, err := c.PollVerification(ctx, sailpoint.MethodOktaVerify, sailpoint.VerificationPollRequest{RequestID: v.RequestID})
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		return r.Status
	}
	if s := poll(); s != sailpoint.VerificationPending {
		t.Fatalf("first poll = %s, want PENDING", s)
	}
	if s := poll(); s != sailpoint.VerificationSuccess {
		t.Fatalf("second poll = %s, want SUCCESS", s)
	}
	if _, err := c.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: "jane@example.com"}, ""); !errors.Is(err, sailpoint.ErrBadRequest) {
		t.Fatalf("okta verify without slpt-forwarding: %v, want 400", err)
	}

	if r, err := c.VerifyDuo(ctx, sailpoint.DuoVerificationRequest{UserID: emulator.DefaultUserIdentityID, SignedResponse: "not-signed"}); err != nil || r.Status != sailpoint.VerificationFailed {
		t.Fatalf("duo verify with a bad signed response = %+v, %v", r, err)
	}

	sent, err := c.SendToken(ctx, sailpoint.SendTokenRequest{UserAlias: emulator.DefaultUserName, DeliveryType: sailpoint.DeliveryEmailWork})
	if err != nil || sent.Status != sailpoint.VerificationSuccess {
		t.Fatalf("send token = %+v, %v", sent, err)
	}
	code, ok := emu.LastSentToken(emulator.DefaultUserName)
	if !ok {
		t.Fatal("no token recorded")
	}
	res, err := c.AuthenticateToken(ctx, sailpoint.TokenAuthRequest{Token: code, UserAlias: emulator.DefaultUserName, DeliveryType: sailpoint.DeliveryEmailWork})
	if err != nil || res.Status != sailpoint.VerificationSuccess {
		t.Fatalf("token authenticate = %+v, %v", res, err)
	}
}

func TestEmulatorErrorsMapToTypedErrors(t *testing.T) {
	ctx := context.Background()

	user, _ := newEmulatorClient(t, emulator.DefaultUserClientID, emulator.DefaultUserClientSecret, emulator.Config{})
	if _, err := user.GetOktaConfig(ctx); !errors.Is(err, sailpoint.ErrForbidden) {
		t.Fatalf("USER identity on an ORG_ADMIN endpoint: %v, want ErrForbidden", err)
	}

	bad, _ := newEmulatorClient(t, emulator.DefaultAdminClientID, "wrong-secret", emulator.Config{})
	if _, err := bad.Token(ctx); !errors.Is(err, sailpoint.ErrInvalidCredentials) {
		t.Fatalf("wrong secret: %v, want ErrInvalidCredentials", err)
	}

	c, emu := adminClient(t)
	emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: 7 * time.Second})
	_, err := c.GetOktaConfig(ctx)
	if d, ok := sailpoint.RetryAfter(err); !errors.Is(err, sailpoint.ErrRateLimited) || !ok || d != 7*time.Second {
		t.Fatalf("429: %v (retry after %v), want ErrRateLimited after 7s", err, d)
	}

	emu.SetFaults(emulator.Faults{ServerErrors: 1})
	if _, err := c.GetOktaConfig(ctx); err != nil {
		t.Fatalf("one 500 on a GET must be retried: %v", err)
	}
	emu.SetFaults(emulator.Faults{ServerErrors: 1})
	before := emu.CountRequests(http.MethodPost, "/v3/mfa/token/send")
	if _, err := c.SendToken(ctx, sailpoint.SendTokenRequest{UserAlias: emulator.DefaultUserName, DeliveryType: sailpoint.DeliverySMSWork}); !errors.Is(err, sailpoint.ErrServer) {
		t.Fatalf("500 on token send: %v, want ErrServer", err)
	}
	if n := emu.CountRequests(http.MethodPost, "/v3/mfa/token/send") - before; n != 1 {
		t.Fatalf("token send was sent %d times, want exactly 1 (never retried)", n)
	}

	emu.ExpireTokens()
	if _, err := c.GetOktaConfig(ctx); err != nil {
		t.Fatalf("after token expiry the client must refresh once: %v", err)
	}
}
