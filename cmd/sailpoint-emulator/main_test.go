package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var baseURLLine = regexp.MustCompile(`Base URL:\s+(http://\S+)`)

// start runs the command on a free loopback port and returns its base URL.
func start(t *testing.T, args ...string) (baseURL string, stdout, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), stdout, stderr) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := baseURLLine.FindStringSubmatch(stdout.String()); m != nil {
			baseURL = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("no base URL printed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				err = context.DeadlineExceeded
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return baseURL, stdout, stderr, stop
}

func getToken(t *testing.T, baseURL string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(baseURL+"/oauth/token", url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {emulator.DefaultAdminClientID},
		"client_secret": {emulator.DefaultAdminClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestServesPrintsCredentialsLogsRequestsAndShutsDown(t *testing.T) {
	baseURL, stdout, stderr, stop := start(t, "--token-lifetime", "90s")
	banner := stdout.String()
	for _, want := range []string{
		emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret,
		emulator.DefaultUserClientID, emulator.DefaultUserClientSecret,
		"/admin/requests", "/admin/faults", "/admin/expire-tokens", "/admin/reset", "/admin/sent-tokens", "/admin/ ",
		baseURL + "/oauth/token",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	status, tok := getToken(t, baseURL)
	if status != http.StatusOK || tok["expires_in"] != float64(90) {
		t.Fatalf("token: %d %v", status, tok)
	}
	req, _ := http.NewRequest(http.MethodGet, baseURL+"/v3/mfa/okta-verify/test", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "MFA Method is not configured.") {
		t.Errorf("test: %d %s", resp.StatusCode, body)
	}

	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "GET /v3/mfa/okta-verify/test identity=admin status=200") {
		t.Errorf("request not logged:\n%s", logs)
	}
	if strings.Contains(logs, emulator.DefaultAdminClientSecret) || strings.Contains(logs, tok["access_token"].(string)) {
		t.Errorf("log contains a secret:\n%s", logs)
	}
}

func TestFaultFlagsAndQuiet(t *testing.T) {
	baseURL, stdout, stderr, stop := start(t, "--quiet", "--rate-limit", "1", "--retry-after", "4s",
		"--resets", "1", "--html-errors", "1", "--fault-path-prefix", "/oauth/token", "--pending-polls", "0")
	if !strings.Contains(stdout.String(), "1 resets") {
		t.Errorf("banner does not show the connection faults:\n%s", stdout.String())
	}
	// A connection of its own per request, so that net/http does not retry after the reset.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	post := func() (*http.Response, error) {
		resp, err := client.PostForm(baseURL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}})
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	if resp, err := post(); err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "4" {
		t.Errorf("first token request: %v %v, want 429 with Retry-After 4", resp, err)
	}
	if resp, err := post(); err == nil {
		t.Errorf("second token request answered %d, want a reset", resp.StatusCode)
	}
	if resp, err := post(); err != nil || resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("third token request: %v %v, want the HTML 502", resp, err)
	}
	if status, _ := getToken(t, baseURL); status != http.StatusOK {
		t.Errorf("fourth token request: %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "/oauth/token") {
		t.Errorf("--quiet still logs requests:\n%s", stderr.String())
	}
}

func TestAPIVersionFlagsSwitchV1OffAndMarkV3Deprecated(t *testing.T) {
	baseURL, stdout, _, stop := start(t, "--quiet", "--v1-disabled", "--deprecated-v3")
	for path, want := range map[string]struct {
		status     int
		deprecated string
	}{
		"/mfa/v1/kba/config": {http.StatusNotFound, ""},
		"/v3/mfa/kba/config": {http.StatusUnauthorized, "true"}, // no token: still a v3 response
	} {
		resp, err := http.Get(baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want.status || resp.Header.Get("X-Deprecated") != want.deprecated {
			t.Errorf("GET %s: %d X-Deprecated %q, want %d %q", path, resp.StatusCode, resp.Header.Get("X-Deprecated"), want.status, want.deprecated)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"/mfa/v1 switched off", "X-Deprecated: true"} {
		if !strings.Contains(stdout.String(), line) {
			t.Errorf("banner does not say %q:\n%s", line, stdout.String())
		}
	}
}

func TestInvalidFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--pending-polls", "-1"},
		{"--token-lifetime", "0s"},
		{"--rate-limit", "x"},
		{"--resets", "-1"},
		{"--never-answer", "sometimes"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestShutdownLetsRequestsHangingByAFaultGo(t *testing.T) {
	baseURL, _, _, stop := start(t, "--quiet", "--hangs", "1")
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(baseURL + "/v3/mfa/kba/config")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); hangsLeft(t, baseURL) > 0; { // until the request hangs
		if time.Now().After(deadline) {
			t.Fatal("the request did not arrive")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v with a hanging request", d)
	}
	if err := <-done; err == nil {
		t.Error("the hanging request got an answer")
	}
}

// hangsLeft reads the hangs still to be injected from the admin endpoint.
func hangsLeft(t *testing.T, baseURL string) float64 {
	t.Helper()
	resp, err := http.Get(baseURL + "/admin/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m["hangs"].(float64)
}
