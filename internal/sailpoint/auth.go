package sailpoint

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

const (
	// tokenOperation is the metric operation of token requests.
	tokenOperation = "Token"
	// tokenDescription names token requests in errors.
	tokenDescription = "get token"
	// tokenExpiryMargin is how long before its expiry a cached token is
	// replaced. Tokens that live less than twice as long are replaced halfway.
	tokenExpiryMargin = 60 * time.Second
)

// TokenInfo holds the non-secret facts of the current access token.
type TokenInfo struct {
	// IdentityID is the id of the identity that owns the credentials; "" when unknown.
	IdentityID string
	// TenantID is the id of the SailPoint tenant that issued the token (tenant_id); ""
	// when unknown. Two base URLs that alias one tenant give the same TenantID.
	TenantID string
	// ExpiresAt is when the token expires; zero when unknown.
	ExpiresAt time.Time
	// Scopes are the granted scopes, e.g. ["sp:scopes:all"]; nil when unknown.
	Scopes []string
}

// accessToken is a token with the facts the client needs about it.
type accessToken struct {
	value string
	info  TokenInfo
	// refreshAt is when to stop using the token; zero means until a 401.
	refreshAt time.Time
}

// tokenCache holds the current token and lets one token request run at a time.
type tokenCache struct {
	mu       sync.Mutex
	current  *accessToken
	fetching chan struct{} // one slot, held while a token request runs
}

func newTokenCache() *tokenCache {
	return &tokenCache{fetching: make(chan struct{}, 1)}
}

// valid returns the current token if it is still fresh at now.
func (tc *tokenCache) valid(now time.Time) *accessToken {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.current == nil || (!tc.current.refreshAt.IsZero() && !now.Before(tc.current.refreshAt)) {
		return nil
	}
	return tc.current
}

func (tc *tokenCache) store(tok *accessToken) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.current = tok
}

// drop forgets tok, unless another token already replaced it.
func (tc *tokenCache) drop(tok *accessToken) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.current == tok {
		tc.current = nil
	}
}

// Token returns the facts of the access token, requesting a token when none
// is cached or the cached one is about to expire. It never returns the token.
func (c *Client) Token(ctx context.Context) (TokenInfo, error) {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	return tok.info, nil
}

// accessToken returns the cached token or requests a new one. Concurrent
// callers wait for a single token request.
func (c *Client) accessToken(ctx context.Context) (*accessToken, error) {
	if tok := c.tokens.valid(c.now()); tok != nil {
		return tok, nil
	}
	select {
	case c.tokens.fetching <- struct{}{}:
		defer func() { <-c.tokens.fetching }()
	case <-ctx.Done():
		return nil, fmt.Errorf("sailpoint: %s: %w", tokenDescription, ctx.Err())
	}
	if tok := c.tokens.valid(c.now()); tok != nil {
		return tok, nil // another caller got one while we waited
	}
	tok, err := c.fetchToken(ctx)
	if err != nil {
		return nil, err
	}
	c.tokens.store(tok)
	return tok, nil
}

// fetchToken makes one token request with the client_credentials grant,
// through the limiter and the hold like every other request.
func (c *Client) fetchToken(ctx context.Context) (*accessToken, error) {
	p, err := c.admit(ctx, tokenDescription)
	if err != nil {
		return nil, err
	}
	attemptCtx, cancel := context.WithTimeout(withOperation(ctx, tokenOperation), c.timeout)
	defer cancel()
	attemptCtx = context.WithValue(attemptCtx, oauth2.HTTPClient, c.httpClient)
	obtainedAt := c.now()
	tok, err := c.credentials.Token(attemptCtx)
	if err != nil {
		err = c.tokenError(ctx, attemptCtx, err)
		o, retryAfter := tokenOutcome(ctx, err)
		h, held := c.settle(p, o, retryAfter)
		return nil, c.withHold(tokenDescription, h, held, err)
	}
	c.settle(p, outcomeAnswered, 0)
	return newAccessToken(tok, obtainedAt), nil
}

// tokenOutcome classifies a failed token request from its error: an answer
// (a 429 with its Retry-After, another status, or an unusable body), or none.
func tokenOutcome(ctx context.Context, err error) (outcome, time.Duration) {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests:
		return outcomeRateLimited, apiErr.RetryAfter
	case errors.As(err, &apiErr), errors.Is(err, ErrInvalidResponse):
		return outcomeAnswered, 0
	}
	return unanswered(ctx, err), 0
}

// tokenError turns an oauth2 error into one of ours. oauth2's own texts
// quote the response body, so none of them is kept.
func (c *Client) tokenError(ctx, attemptCtx context.Context, err error) error {
	var retrieveErr *oauth2.RetrieveError
	var urlErr *url.Error
	switch {
	case errors.As(err, &retrieveErr) && retrieveErr.Response != nil:
		resp := retrieveErr.Response
		apiErr := newAPIError(tokenDescription, resp.StatusCode, resp.Header, retrieveErr.Body, c.now(), c.redactor(""))
		apiErr.tokenEndpoint = true
		return apiErr
	case errors.As(err, &urlErr):
		return attemptError(ctx, tokenDescription, urlErr)
	case attemptCtx.Err() != nil: // the body could not be read in time
		return attemptError(ctx, tokenDescription, attemptCtx.Err())
	default:
		return fmt.Errorf("sailpoint: %s: %w: no usable access token in the response", tokenDescription, ErrInvalidResponse)
	}
}

// newAccessToken reads the facts of tok: identity_id and scope from the
// token response, else from the JWT's claims; expiry from expires_in, else
// from the JWT's exp claim.
func newAccessToken(tok *oauth2.Token, obtainedAt time.Time) *accessToken {
	claims := parseJWTClaims(tok.AccessToken)
	info := TokenInfo{ExpiresAt: tok.Expiry}
	if info.IdentityID, _ = tok.Extra("identity_id").(string); info.IdentityID == "" {
		info.IdentityID = claims.IdentityID
	}
	if info.TenantID, _ = tok.Extra("tenant_id").(string); info.TenantID == "" {
		info.TenantID = claims.TenantID
	}
	if info.Scopes = parseScopes(tok.Extra("scope")); info.Scopes == nil {
		info.Scopes = parseScopes(claims.Scope)
	}
	if info.ExpiresAt.IsZero() && claims.Exp > 0 {
		info.ExpiresAt = time.Unix(int64(claims.Exp), 0)
	}
	return &accessToken{value: tok.AccessToken, info: info, refreshAt: refreshTime(obtainedAt, info.ExpiresAt)}
}

// refreshTime is tokenExpiryMargin before expiry, or halfway through the
// lifetime of short-lived tokens. Zero when the expiry is unknown.
func refreshTime(obtainedAt, expiresAt time.Time) time.Time {
	if expiresAt.IsZero() {
		return time.Time{}
	}
	margin := max(0, min(tokenExpiryMargin, expiresAt.Sub(obtainedAt)/2))
	return expiresAt.Add(-margin)
}

// jwtClaims are the claims of a SailPoint access token that the client reads.
type jwtClaims struct {
	IdentityID string  `json:"identity_id"`
	TenantID   string  `json:"tenant_id"`
	Exp        float64 `json:"exp"`
	Scope      any     `json:"scope"`
}

// parseJWTClaims decodes the payload of a JWT without verifying it; it
// returns zero claims for anything that is not a JWT.
func parseJWTClaims(token string) jwtClaims {
	var claims jwtClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims
	}
	_ = json.Unmarshal(payload, &claims) // best effort: keeps the claims that decoded
	return claims
}

// parseScopes accepts a space-separated string or a JSON list of strings.
func parseScopes(v any) []string {
	switch v := v.(type) {
	case string:
		if scopes := strings.Fields(v); len(scopes) > 0 {
			return scopes
		}
	case []any:
		var scopes []string
		for _, s := range v {
			if s, ok := s.(string); ok && s != "" {
				scopes = append(scopes, s)
			}
		}
		return scopes
	}
	return nil
}
