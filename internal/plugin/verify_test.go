package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func TestVerifyOktaPollsFromPendingToSuccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 2})
	res := w.flags("verify", "okta-verify", "--user", "alice@example.com", "--interval", "5ms", "-o", "json")
	expectCode(t, res, CodeOK)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "SUCCESS" || got.Polls != 3 || got.RequestID == "" || got.TimedOut || got.User != "alice@example.com" || got.Method != "okta-verify" {
		t.Errorf("got %+v, want SUCCESS after 3 polls", got)
	}
	// Not a terminal: one plain line per PENDING answer on stderr, no redrawn line.
	expectContains(t, res.stderr, "waiting for okta-verify request "+got.RequestID+": PENDING (poll 0,", ": PENDING (poll 2,")
	expectNotContains(t, res.stderr, "\r")
	if w.forwarded[0] != "127.0.0.1" {
		t.Errorf("slpt-forwarding %q, want this machine's address towards the emulator, 127.0.0.1", w.forwarded[0])
	}
}

func TestVerifyOktaSendsTheSourceIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: -1})
	res := w.flags("verify", "okta-verify", "--user", "alice@example.com", "--source-ip", "203.0.113.7", "--interval", "5ms")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "okta-verify verification of alice@example.com: SUCCESS (request ")
	if len(w.forwarded) != 1 || w.forwarded[0] != "203.0.113.7" {
		t.Errorf("slpt-forwarding %q, want 203.0.113.7", w.forwarded)
	}

	res = w.flags("verify", "okta-verify", "--user", "alice@example.com", "--source-ip", "not-an-ip")
	expectCode(t, res, CodeUsage)
}

func TestVerifyOktaEndingInFailedOrLockoutExitsOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 1})
	for user, status := range map[string]string{"deny@example.com": "FAILED", "lockout@example.com": "LOCKOUT"} {
		res := w.flags("verify", "okta-verify", "--user", user, "--interval", "5ms")
		expectCode(t, res, CodeFailed)
		expectContains(t, res.stdout, "okta-verify verification of "+user+": "+status+": ")
		if res.stderr == "" || strings.Contains(res.stderr, "error:") {
			t.Errorf("stderr should hold the progress lines and no error, got %q", res.stderr)
		}
	}
}

func TestVerifyOfAnUnconfiguredMethodFailsWithoutPolling(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.emu.DeleteConfig("okta-verify")
	res := w.flags("verify", "okta-verify", "--user", "alice@example.com", "-o", "json")
	expectCode(t, res, CodeFailed)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "FAILED" || got.Polls != 0 || got.Error == "" {
		t.Errorf("got %+v", got)
	}
}

func TestVerifyStillPendingAtTimeoutExitsOneAndSaysHowToResume(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 1_000_000})
	res := w.flags("verify", "okta-verify", "--user", "alice@example.com", "--timeout", "60ms", "--interval", "10ms", "-o", "json")
	expectCode(t, res, CodeFailed)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "PENDING" || !got.TimedOut || got.Polls < 2 {
		t.Errorf("got %+v, want PENDING, timed out, after several polls", got)
	}

	res = w.flags("verify", "okta-verify", "--user", "alice@example.com", "--timeout", "20ms", "--interval", "5ms")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "still PENDING after 20ms", "Resume with: kubectl mfa poll okta-verify ")
}

func TestVerifyOnATerminalDrawsAProgressIndicator(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 2})
	res := w.execFlags(invocation{terminal: true}, "verify", "okta-verify", "--user", "alice@example.com", "--interval", "5ms")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stderr, "\r\x1b[K"+spinnerFrames[0]+" waiting for okta-verify request ", ": PENDING (")
	if !strings.HasSuffix(res.stderr, "\r\x1b[K") {
		t.Errorf("the indicator is not erased at the end: %q", res.stderr)
	}
	expectNotContains(t, res.stderr, "\n")
	expectContains(t, res.stdout, ": SUCCESS (request ")
}

func TestVerifyDuo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 2})
	user := emulator.DefaultUserIdentityID

	res := w.flags("verify", "duo-web", "--user", user, "--signed-response", signedDuo, "--interval", "5ms", "-o", "json")
	expectCode(t, res, CodeOK)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "SUCCESS" || got.Method != "duo-web" || got.Polls != 3 {
		t.Errorf("got %+v", got)
	}

	// From standard input.
	res = w.execFlags(invocation{stdin: signedDuo + "\n"}, "verify", "duo-web", "--user", user, "--signed-response", "-", "--interval", "5ms")
	expectCode(t, res, CodeOK)

	// At a prompt without echo.
	res = w.execFlags(invocation{inTerminal: true, passwords: []string{signedDuo}}, "verify", "duo-web", "--user", user, "--signed-response", "-", "--interval", "5ms")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stderr, "Duo signed response: ")

	// A malformed signed response is FAILED at once.
	res = w.flags("verify", "duo-web", "--user", user, "--signed-response", "AUTH|only-half")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "duo-web verification of "+user+": FAILED: ")
}

func TestVerifyUsageErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	for _, args := range [][]string{
		{"verify", "okta-verify"},
		{"verify", "okta-verify", "--user", ""},
		{"verify", "duo-web", "--user", "x"},
		{"verify", "okta-verify", "--user", "x", "--timeout", "0s"},
		{"verify", "okta-verify", "--user", "x", "--interval", "-1s"},
		{"verify", "okta-verify", "--user", "x", "-o", "table"},
		{"verify", "push"},
	} {
		res := w.flags(args...)
		if res.code != CodeUsage {
			t.Errorf("%q: exit code %d, want %d; stderr %q", args, res.code, CodeUsage, res.stderr)
		}
	}
	if n := len(w.emu.Requests()); n != 0 {
		t.Errorf("%d requests reached SailPoint", n)
	}
}

func TestVerifyInterruptedWhilePendingExitsOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{PendingPolls: 1_000_000})
	res := w.execFlags(invocation{cancelAfter: 50 * time.Millisecond}, "verify", "okta-verify", "--user", "alice@example.com", "--interval", "5ms", "-o", "json")
	expectCode(t, res, CodeFailed)
	var got verification
	decodeJSON(t, res, &got)
	if got.Status != "PENDING" || !got.Interrupted || got.TimedOut {
		t.Errorf("got %+v, want PENDING and interrupted", got)
	}
}
