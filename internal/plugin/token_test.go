package plugin

import (
	"testing"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// sendToken runs token send for will.albin and returns the request id and the code the
// emulator "sent", which is then registered as a secret.
func (w *world) sendToken(delivery string) (requestID, code string) {
	w.t.Helper()
	res := w.flags("token", "send", "--alias", emulator.DefaultUserName, "--delivery", delivery, "-o", "json")
	expectCode(w.t, res, CodeOK)
	var got tokenSendResult
	decodeJSON(w.t, res, &got)
	if got.Status != "SUCCESS" || got.RequestID == "" || got.UserAlias != emulator.DefaultUserName {
		w.t.Fatalf("token send: %+v", got)
	}
	code, ok := w.emu.LastSentToken(emulator.DefaultUserName)
	if !ok {
		w.t.Fatal("the emulator sent no token")
	}
	w.addSecret(code)
	return got.RequestID, code
}

func TestTokenSendThenVerifyWithTheCodeOnStdin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	_, code := w.sendToken("EMAIL_WORK")

	res := w.execFlags(invocation{stdin: code + "\n"}, "token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK", "--code", "-", "-o", "json")
	expectCode(t, res, CodeOK)
	var got tokenVerifyResult
	decodeJSON(t, res, &got)
	want := tokenVerifyResult{Tenant: w.url, UserAlias: emulator.DefaultUserName, DeliveryType: "EMAIL_WORK", Status: "SUCCESS"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestTokenVerifyPromptsForTheCodeOnATerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	_, code := w.sendToken("sms_personal")

	res := w.execFlags(invocation{inTerminal: true, passwords: []string{code}}, "token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "SMS_PERSONAL")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stderr, "Token sent to will.albin by SMS_PERSONAL: ")
	expectContains(t, res.stdout, "token of will.albin by SMS_PERSONAL: SUCCESS")
}

func TestTokenVerifyWithAWrongCodeExitsOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	_, code := w.sendToken("EMAIL_WORK")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	res := w.execFlags(invocation{stdin: wrong}, "token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK", "--code", "-")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "token of will.albin by EMAIL_WORK: FAILED")
	expectNotContains(t, res.stdout+res.stderr, wrong)
}

func TestTokenVerifyNeverTakesTheCodeOnTheCommandLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	const code = "424242"
	w.addSecret(code)
	res := w.flags("token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK", "--code", code)
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `--code only accepts "-"`)

	// Not a terminal and no --code -: nothing to prompt on.
	res = w.flags("token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "pass --code -")

	// Empty standard input.
	res = w.flags("token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK", "--code", "-")
	expectCode(t, res, CodeUsage)
}

func TestTokenSendToAnUnknownAliasExitsOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.flags("token", "send", "--alias", "nobody", "--delivery", "EMAIL_WORK")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "token for nobody by EMAIL_WORK: FAILED: ")

	res = w.flags("token", "send", "--alias", "nobody", "--delivery", "PIGEON")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `unknown --delivery "PIGEON"`)
}

func TestPollFollowsATokenRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	id, code := w.sendToken("EMAIL_WORK")

	res := w.flags("poll", "token", id, "--once", "-o", "json")
	expectCode(t, res, CodeFailed)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "PENDING" || got.Polls != 1 || got.RequestID != id {
		t.Errorf("got %+v, want one PENDING poll", got)
	}

	res = w.execFlags(invocation{stdin: code}, "token", "verify", "--alias", emulator.DefaultUserName, "--delivery", "EMAIL_WORK", "--code", "-")
	expectCode(t, res, CodeOK)
	res = w.flags("poll", "token", id, "--interval", "5ms")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "token verification: SUCCESS (request "+id)
}
