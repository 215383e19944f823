package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// scopeAll grants every endpoint the user level allows (reference section 2).
const scopeAll = "sp:scopes:all"

// issuedToken is an access token the emulator handed out.
type issuedToken struct {
	identity Identity
	scopes   []string
	expires  time.Time
}

// tokenResponse is the body of a successful POST /oauth/token (reference section 2).
type tokenResponse struct {
	AccessToken         string `json:"access_token"`
	TokenType           string `json:"token_type"`
	ExpiresIn           int64  `json:"expires_in"`
	Scope               string `json:"scope"`
	AccessType          string `json:"accessType"`
	TenantID            string `json:"tenant_id"`
	Internal            bool   `json:"internal"`
	Pod                 string `json:"pod"`
	StrongAuthSupported bool   `json:"strong_auth_supported"`
	Org                 string `json:"org"`
	UserID              string `json:"user_id"`
	IdentityID          string `json:"identity_id"`
	UserName            string `json:"user_name"`
	StrongAuth          bool   `json:"strong_auth"`
	Enabled             bool   `json:"enabled"`
	JTI                 string `json:"jti"`
}

// oauthError is the OAuth2 error body of /oauth/token.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// clientCredentials reads client_id/client_secret from HTTP basic auth, then the form
// body, then the query (reference: form data, urlencoded body or query parameters).
func clientCredentials(r *http.Request, body []byte) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		return id, secret
	}
	form := requestForm(r, body)
	return form.Get("client_id"), form.Get("client_secret")
}

// requestForm merges the urlencoded or multipart body with the query (body first).
func requestForm(r *http.Request, body []byte) url.Values {
	vals := bodyForm(r.Header.Get("Content-Type"), body)
	if vals == nil {
		vals = url.Values{}
	}
	for k, vs := range r.URL.Query() {
		if !vals.Has(k) {
			vals[k] = vs
		}
	}
	return vals
}

func (e *Emulator) handleToken(c *call) response {
	if c.r.Method != http.MethodPost {
		return response{
			status: http.StatusMethodNotAllowed,
			body:   oauthError{Error: "method_not_allowed", Description: "Request method '" + c.r.Method + "' is not supported"},
			header: http.Header{"Allow": {http.MethodPost}},
		}
	}
	id, secret := clientCredentials(c.r, c.body)
	ident := e.findClient(id, secret)
	if ident == nil {
		return response{status: http.StatusUnauthorized, body: oauthError{Error: "invalid_client", Description: "Bad credentials"}}
	}
	c.identity = ident
	grant := requestForm(c.r, c.body).Get("grant_type")
	switch {
	case grant == "":
		return response{status: http.StatusBadRequest, body: oauthError{Error: "invalid_request", Description: "Missing grant type"}}
	case !strings.EqualFold(grant, "client_credentials"):
		return response{status: http.StatusBadRequest, body: oauthError{Error: "unsupported_grant_type", Description: "Unsupported grant type: " + truncate(grant, 40)}}
	}

	now := e.now()
	e.mu.Lock()
	lifetime := e.cfg.TokenLifetime
	if e.faults.TokenLifetime > 0 {
		lifetime = e.faults.TokenLifetime
	}
	scopes := ident.Scopes
	if len(scopes) == 0 {
		scopes = []string{scopeAll}
	}
	jti := randomHex(16)
	token := makeJWT(ident, e.cfg.TenantID, scopes, now, now.Add(lifetime), jti)
	e.pruneTokensLocked(now)
	e.tokens[token] = &issuedToken{identity: *ident, scopes: slices.Clone(scopes), expires: now.Add(lifetime)}
	e.mu.Unlock()

	return ok(tokenResponse{
		AccessToken:         token,
		TokenType:           "bearer",
		ExpiresIn:           int64(lifetime / time.Second),
		Scope:               strings.Join(scopes, " "),
		AccessType:          "OFFLINE",
		TenantID:            e.cfg.TenantID,
		Internal:            false,
		Pod:                 PodName,
		StrongAuthSupported: false,
		Org:                 OrgName,
		UserID:              ident.IdentityID,
		IdentityID:          ident.IdentityID,
		UserName:            ident.Name,
		StrongAuth:          true,
		Enabled:             true,
		JTI:                 jti,
	})
}

// makeJWT returns a JWT-shaped token carrying the usual SailPoint claims. Its signature
// is random bytes: the emulator recognises its tokens by lookup, not by verification.
func makeJWT(ident *Identity, tenantID string, scopes []string, iat, exp time.Time, jti string) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "emulator"})
	claims, _ := json.Marshal(map[string]any{
		"tenant_id":   tenantID,
		"internal":    false,
		"pod":         PodName,
		"org":         OrgName,
		"identity_id": ident.IdentityID,
		"user_name":   ident.Name,
		"strong_auth": true,
		"authorities": []string{string(ident.Level)},
		"enabled":     true,
		"scope":       scopes,
		"iat":         iat.Unix(),
		"exp":         exp.Unix(),
		"jti":         jti,
	})
	return enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString([]byte(randomHex(32)))
}

// pruneTokensLocked forgets tokens that expired more than a day ago once many piled up,
// so a long demo does not grow without bound. Recently expired tokens are kept so that
// they still get the "expired" 401 rather than "invalid".
func (e *Emulator) pruneTokensLocked(now time.Time) {
	if len(e.tokens) < 10000 {
		return
	}
	for k, t := range e.tokens {
		if now.Sub(t.expires) > 24*time.Hour {
			delete(e.tokens, k)
		}
	}
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// authenticate checks the bearer token of an API request.
func (e *Emulator) authenticate(c *call) (*issuedToken, *response) {
	tok, found := bearerToken(c.r)
	if !found {
		resp := unauthorized(jwtMissing)
		return nil, &resp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tokens[tok]
	if t == nil {
		resp := unauthorized(jwtInvalid)
		return nil, &resp
	}
	if !e.now().Before(t.expires) {
		resp := unauthorized(jwtExpired)
		return nil, &resp
	}
	ident := t.identity
	c.identity = &ident
	return t, nil
}

// ExpireTokens makes every token issued so far expired now.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for _, t := range e.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// authorize enforces the route's user levels and, for tokens with explicit scopes, its
// scopes (any one of them, or sp:scopes:all).
func authorize(rt *route, t *issuedToken) *response {
	if len(rt.levels) > 0 && !slices.Contains(rt.levels, t.identity.Level) {
		resp := forbidden("The user level " + string(t.identity.Level) + " is not allowed for this operation; required: " + joinLevels(rt.levels) + ".")
		return &resp
	}
	if slices.Contains(t.scopes, scopeAll) {
		return nil
	}
	for _, s := range rt.scopes {
		if slices.Contains(t.scopes, s) {
			return nil
		}
	}
	resp := forbidden("The token has none of the scopes this operation requires: " + strings.Join(rt.scopes, ", ") + ".")
	return &resp
}

func joinLevels(ls []Level) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// bodyForm parses an application/x-www-form-urlencoded or multipart/form-data body.
// It returns nil for any other content type or a body it cannot parse.
func bodyForm(contentType string, body []byte) url.Values {
	ct, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		return v
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxBody)
		if err != nil {
			return nil
		}
		defer func() { _ = form.RemoveAll() }()
		return url.Values(form.Value)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
