package sailpoint

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestTokenIsCachedAcrossCalls(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft)

	for range 3 {
		if _, err := c.GetOktaConfig(t.Context()); err != nil {
			t.Fatal(err)
		}
	}

	if got := ft.tokenRequests(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	for _, r := range ft.requests() {
		if got := r.header.Get("Authorization"); got != "Bearer "+ft.issuedToken(0) {
			t.Errorf("Authorization = %q", got)
		}
	}
}

func TestConcurrentCallsShareOneTokenRequest(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft)

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.GetOktaConfig(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	if got := ft.tokenRequests(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

func TestTokenIsRefreshedShortlyBeforeExpiry(t *testing.T) {
	tests := []struct {
		name         string
		expiresIn    int
		stillCached  time.Duration
		refreshAfter time.Duration
	}{
		{"a 749s token is replaced 60s before expiry", 749, 680 * time.Second, 690 * time.Second},
		{"a 10s token is replaced halfway", 10, 4 * time.Second, 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.expiresIn = tt.expiresIn
			c := newTestClient(t, ft)
			clock := useFakeClock(c)
			start := clock.Now()

			callAt := func(offset time.Duration) {
				clock.now = start.Add(offset)
				if _, err := c.TestConfig(t.Context(), MethodOktaVerify); err != nil {
					t.Fatal(err)
				}
			}
			callAt(0)
			callAt(tt.stillCached)
			if got := ft.tokenRequests(); got != 1 {
				t.Errorf("token requests after %v = %d, want 1", tt.stillCached, got)
			}
			callAt(tt.refreshAfter)
			if got := ft.tokenRequests(); got != 2 {
				t.Errorf("token requests after %v = %d, want 2", tt.refreshAfter, got)
			}
			if got := ft.requests()[2].header.Get("Authorization"); got != "Bearer "+ft.issuedToken(1) {
				t.Errorf("last call used %q, want the new token", got)
			}
		})
	}
}

func TestTokenWithoutExpiryIsKeptUntilA401(t *testing.T) {
	ft := newFakeTenant(t)
	ft.expiresIn = 0
	c := newTestClient(t, ft)
	clock := useFakeClock(c)

	for range 2 {
		if _, err := c.GetOktaConfig(t.Context()); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
	}
	if got := ft.tokenRequests(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

func TestA401DropsTheTokenAndRetriesOnceWithAFreshOne(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer "+ft.issuedToken(0) {
					respond(http.StatusUnauthorized, body401)(w, r)
					return
				}
				respond(http.StatusOK, `{}`)(w, r)
			})
			c := newTestClient(t, ft)

			_, err := e.call(t.Context(), c)

			if err != nil && !errors.Is(err, ErrInvalidResponse) { // {} does not fit every endpoint
				t.Fatalf("call: %v", err)
			}
			if got := ft.tokenRequests(); got != 2 {
				t.Errorf("token requests = %d, want 2", got)
			}
			reqs := ft.requests()
			if len(reqs) != 2 {
				t.Fatalf("API requests = %d, want 2", len(reqs))
			}
			if string(reqs[0].body) != string(reqs[1].body) {
				t.Errorf("the retry sent %q, the first attempt %q", reqs[1].body, reqs[0].body)
			}
		})
	}
}

func TestEndless401GivesErrUnauthorizedAfterExactlyOneRetry(t *testing.T) {
	for _, e := range allEndpoints {
		t.Run(e.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(respond(http.StatusUnauthorized, body401))
			c := newTestClient(t, ft)

			_, err := e.call(t.Context(), c)

			if !errors.Is(err, ErrUnauthorized) {
				t.Errorf("error = %v, want ErrUnauthorized", err)
			}
			if got := len(ft.requests()); got != 2 {
				t.Errorf("API requests = %d, want 2", got)
			}
			if got := ft.tokenRequests(); got != 2 {
				t.Errorf("token requests = %d, want 2", got)
			}
		})
	}
}

func TestTokenEndpointRefusingTheCredentialsIsErrInvalidCredentials(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setTokenFailure(respond(status, `{"error":"invalid_client","error_description":"Bad credentials"}`))
			c := newTestClient(t, ft)

			_, tokenErr := c.Token(t.Context())
			_, apiErr := c.GetOktaConfig(t.Context())

			for _, err := range []error{tokenErr, apiErr} {
				if !errors.Is(err, ErrInvalidCredentials) {
					t.Errorf("error = %v, want ErrInvalidCredentials", err)
				}
				if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrBadRequest) || IsRetryable(err) {
					t.Errorf("error %v should only be ErrInvalidCredentials", err)
				}
				want := fmt.Sprintf("sailpoint: get token: %d %s: invalid_client; Bad credentials", status, strings.ToLower(http.StatusText(status)))
				if err.Error() != want {
					t.Errorf("text = %q, want %q", err, want)
				}
			}
			if got := len(ft.requests()); got != 0 {
				t.Errorf("API requests = %d, want 0", got)
			}
			if got := ft.tokenRequests(); got != 2 {
				t.Errorf("token requests = %d, want 2 (one per call, never retried)", got)
			}
		})
	}
}

func TestTokenEndpointServerErrorsAreRetriedForIdempotentCalls(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setTokenFailure(respond(http.StatusBadGateway, `<html>bad gateway</html>`))
	c := newTestClient(t, ft, func(o *Options) { o.MaxRetries = 2 })

	_, err := c.GetOktaConfig(t.Context())

	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || !errors.Is(err, ErrServer) {
		t.Errorf("error = %v, want a 502 *APIError", err)
	}
	if got := ft.tokenRequests(); got != 3 {
		t.Errorf("token requests = %d, want 3", got)
	}

	_, err = c.SendToken(t.Context(), SendTokenRequest{UserAlias: "will.albin", DeliveryType: DeliverySMSWork})
	if !errors.Is(err, ErrServer) {
		t.Errorf("error = %v, want ErrServer", err)
	}
	if got := ft.tokenRequests(); got != 4 {
		t.Errorf("token requests = %d, want 4 (controller POSTs are not retried)", got)
	}
}

func TestUnreachableTokenEndpointIsATransportError(t *testing.T) {
	ft := newFakeTenant(t)
	closed := newFakeTenant(t)
	closed.server.Close()
	c := newTestClient(t, ft, func(o *Options) { o.TokenURL = closed.server.URL + "/oauth/token"; o.MaxRetries = -1 })

	_, err := c.Token(t.Context())

	var transportErr *TransportError
	if !errors.As(err, &transportErr) || !errors.Is(err, ErrUnreachable) || !IsRetryable(err) {
		t.Errorf("error = %v, want a *TransportError", err)
	}
	if strings.Contains(err.Error(), "oauth2") || strings.Contains(err.Error(), "/oauth/token") {
		t.Errorf("error %q leaks oauth2's text or the URL", err)
	}
}

func TestTokenResponseWithoutAccessTokenIsInvalidResponse(t *testing.T) {
	ft := newFakeTenant(t)
	ft.setTokenFailure(respond(http.StatusOK, `{"token_type":"bearer","expires_in":749}`))
	c := newTestClient(t, ft)

	if _, err := c.Token(t.Context()); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("error = %v, want ErrInvalidResponse", err)
	}
}

func TestTokenInfoComesFromTheTokenResponse(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft)
	before := time.Now()

	info, err := c.Token(t.Context())

	if err != nil {
		t.Fatal(err)
	}
	if info.IdentityID != testIdentityID {
		t.Errorf("IdentityID = %q", info.IdentityID)
	}
	if info.TenantID != "3b5f4ff3-ea6b-4a43-a6fd-dc5ba1b3d4e0" {
		t.Errorf("TenantID = %q", info.TenantID)
	}
	if !reflect.DeepEqual(info.Scopes, []string{"sp:scopes:all"}) {
		t.Errorf("Scopes = %q", info.Scopes)
	}
	if d := info.ExpiresAt.Sub(before); d < 748*time.Second || d > 751*time.Second {
		t.Errorf("ExpiresAt is %v after the request, want about 749s", d)
	}
}

func TestTokenInfoFallsBackToTheJWTClaims(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	claims, _ := json.Marshal(map[string]any{
		"identity_id": "2c91808568c529c60168cca6f90c1313", "exp": exp.Unix(),
		"scope": []string{"sp:scopes:default", "idn:mfa-kba:read"},
	})
	jwt := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".c2lnbmF0dXJl"
	ft := newFakeTenant(t)
	ft.setTokenFailure(respond(http.StatusOK, `{"access_token":"`+jwt+`","token_type":"bearer"}`))
	c := newTestClient(t, ft)

	info, err := c.Token(t.Context())

	if err != nil {
		t.Fatal(err)
	}
	want := TokenInfo{
		IdentityID: "2c91808568c529c60168cca6f90c1313",
		ExpiresAt:  time.Unix(exp.Unix(), 0),
		Scopes:     []string{"sp:scopes:default", "idn:mfa-kba:read"},
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("info = %+v, want %+v", info, want)
	}
}

func TestNewAccessTokenToleratesOddTokens(t *testing.T) {
	for _, value := range []string{"", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"x","scope":7}`)) + ".c"} {
		tok := newAccessToken(&oauth2.Token{AccessToken: value}, time.Now())
		if !reflect.DeepEqual(tok.info, TokenInfo{}) || !tok.refreshAt.IsZero() {
			t.Errorf("token %q: info = %+v, refreshAt = %v", value, tok.info, tok.refreshAt)
		}
	}
}
