package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/plugin"
)

func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, plugin.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

func TestHelpExitsZeroAndNamesThePluginAsKubectlMfa(t *testing.T) {
	stdout, _, code := runMain(t, "--help")
	if code != plugin.CodeOK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"kubectl mfa [command]", "--kubeconfig", "--context", "--namespace", "--tenant", "--base-url", "Exit codes:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"status", "--bogus"}, {"verify", "okta-verify"}} {
		_, stderr, code := runMain(t, args...)
		if code != plugin.CodeUsage || !strings.HasPrefix(stderr, "error: ") {
			t.Errorf("%q: exit code %d, stderr %q", args, code, stderr)
		}
	}
}

func TestSailPointErrorsExitThree(t *testing.T) {
	srv := httptest.NewServer(emulator.New(emulator.Config{}).Handler())
	defer srv.Close()
	t.Setenv("SAILPOINT_CLIENT_ID", emulator.DefaultAdminClientID)
	t.Setenv("SAILPOINT_CLIENT_SECRET", "wrong-secret-for-the-test")
	_, stderr, code := runMain(t, "test", "okta-verify", "--base-url", srv.URL)
	if code != plugin.CodeError {
		t.Errorf("exit code %d, want %d; stderr %q", code, plugin.CodeError, stderr)
	}
	if strings.Contains(stderr, "wrong-secret-for-the-test") {
		t.Error("the client secret was printed")
	}
}

func TestAFailedTestExitsOne(t *testing.T) {
	srv := httptest.NewServer(emulator.New(emulator.Config{}).Handler())
	defer srv.Close()
	t.Setenv("SAILPOINT_CLIENT_ID", emulator.DefaultAdminClientID)
	t.Setenv("SAILPOINT_CLIENT_SECRET", emulator.DefaultAdminClientSecret)
	stdout, _, code := runMain(t, "test", "okta-verify", "--base-url", srv.URL)
	if code != plugin.CodeFailed || !strings.Contains(stdout, "FAILED") {
		t.Errorf("exit code %d, stdout %q", code, stdout)
	}
}
