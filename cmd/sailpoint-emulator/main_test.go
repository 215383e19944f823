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
	baseURL, _, stderr, stop := start(t, "--quiet", "--rate-limit", "1", "--retry-after", "4s", "--fault-path-prefix", "/oauth/token", "--pending-polls", "0")
	resp, err := http.PostForm(baseURL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "4" {
		t.Errorf("first token request: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if status, _ := getToken(t, baseURL); status != http.StatusOK {
		t.Errorf("second token request: %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "/oauth/token") {
		t.Errorf("--quiet still logs requests:\n%s", stderr.String())
	}
}

func TestInvalidFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--pending-polls", "-1"},
		{"--token-lifetime", "0s"},
		{"--rate-limit", "x"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
