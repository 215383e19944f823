package plugin

import (
	"testing"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func TestPollResumesAVerificationThatTimedOut(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 3})
	res := w.flags("verify", "okta-verify", "--user", "alice@example.com", "--timeout", "1ns", "-o", "json")
	expectCode(t, res, CodeFailed)
	var started verification
	decodeJSON(t, res, &started)
	if !started.TimedOut || started.RequestID == "" {
		t.Fatalf("got %+v, want a timed-out verification", started)
	}

	res = w.flags("poll", "okta-verify", started.RequestID, "--interval", "5ms", "-o", "yaml")
	expectCode(t, res, CodeOK)
	var got verification
	decodeYAML(t, res, &got)
	if got.Status != "SUCCESS" || got.RequestID != started.RequestID || got.Polls < 1 {
		t.Errorf("got %+v", got)
	}
}

func TestPollErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.flags("poll", "push", "abc")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `unknown method "push": use one of okta-verify, duo-web, kba, token, rsa`)

	res = w.flags("poll", "okta-verify")
	expectCode(t, res, CodeUsage)

	// SailPoint answers 400 for an unknown request id.
	res = w.flags("poll", "duo-web", "0123456789abcdef", "--once")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, "error: sailpoint: poll duo-web verification: 400")
}

func TestPollCountsReadAsEnglish(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 polls", 1: "1 poll", 2: "2 polls"} {
		if got := polls(n); got != want {
			t.Errorf("polls(%d) = %q, want %q", n, got, want)
		}
	}
}
