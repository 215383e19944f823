package sailpoint

import (
	"context"
	"net/http"
	"net/url"
)

// GetOktaConfig reads the Okta Verify configuration (GET /mfa/okta-verify/config).
// The access key comes back masked.
func (c *Client) GetOktaConfig(ctx context.Context) (*MfaOktaConfig, error) {
	return call[MfaOktaConfig](ctx, c, request{
		operation: "GetOktaConfig", description: "get okta-verify config",
		method: http.MethodGet, path: "/mfa/okta-verify/config", retry: true, config: true,
	})
}

// SetOktaConfig replaces the Okta Verify configuration (PUT /mfa/okta-verify/config)
// and returns the stored one, masked.
func (c *Client) SetOktaConfig(ctx context.Context, cfg MfaOktaConfig) (*MfaOktaConfig, error) {
	return call[MfaOktaConfig](ctx, c, request{
		operation: "SetOktaConfig", description: "put okta-verify config",
		method: http.MethodPut, path: "/mfa/okta-verify/config", body: cfg, retry: true, config: true,
	})
}

// GetDuoConfig reads the Duo Web configuration (GET /mfa/duo-web/config).
// The access key and skey come back masked.
func (c *Client) GetDuoConfig(ctx context.Context) (*MfaDuoConfig, error) {
	return call[MfaDuoConfig](ctx, c, request{
		operation: "GetDuoConfig", description: "get duo-web config",
		method: http.MethodGet, path: "/mfa/duo-web/config", retry: true, config: true,
	})
}

// SetDuoConfig replaces the Duo Web configuration (PUT /mfa/duo-web/config)
// and returns the stored one, masked.
func (c *Client) SetDuoConfig(ctx context.Context, cfg MfaDuoConfig) (*MfaDuoConfig, error) {
	return call[MfaDuoConfig](ctx, c, request{
		operation: "SetDuoConfig", description: "put duo-web config",
		method: http.MethodPut, path: "/mfa/duo-web/config", body: cfg, retry: true, config: true,
	})
}

// DeleteConfig removes the configuration of method, okta-verify or duo-web
// (DELETE /mfa/{method}/delete). SailPoint answers 200 with a config object,
// whose meaning is not documented; an empty body gives a zero MfaConfig.
func (c *Client) DeleteConfig(ctx context.Context, method Method) (*MfaConfig, error) {
	return call[MfaConfig](ctx, c, request{
		operation: "DeleteConfig", description: "delete " + string(method) + " config",
		method: http.MethodDelete, path: methodPath(method, "delete"), retry: true, emptyOK: true,
	})
}

// TestConfig checks that the stored configuration of method can
// authenticate against the provider (GET /mfa/{method}/test). A failed test
// is a nil error with State TestStateFailed.
func (c *Client) TestConfig(ctx context.Context, method Method) (*MfaConfigTestResponse, error) {
	return call[MfaConfigTestResponse](ctx, c, request{
		operation: "TestConfig", description: "test " + string(method) + " config",
		method: http.MethodGet, path: methodPath(method, "test"), retry: true, config: true,
	})
}

// GetKbaConfig lists the tenant's KBA questions (GET /mfa/kba/config). With
// allLanguages, question texts come in every configured language; see
// KbaQuestion.Texts.
func (c *Client) GetKbaConfig(ctx context.Context, allLanguages bool) ([]KbaQuestion, error) {
	var query url.Values
	if allLanguages {
		query = url.Values{"allLanguages": {"true"}}
	}
	questions, err := call[[]KbaQuestion](ctx, c, request{
		operation: "GetKbaConfig", description: "get kba config",
		method: http.MethodGet, path: "/mfa/kba/config", query: query, retry: true, config: true,
	})
	if err != nil {
		return nil, err
	}
	return *questions, nil
}

// SetKbaAnswers replaces the KBA answers of the identity that owns the
// credentials (POST /mfa/kba/config/answers): questions left out lose their
// answer, so an empty list removes all. It returns the resulting list.
// Unlike the other POSTs it is retried, since it is idempotent.
func (c *Client) SetKbaAnswers(ctx context.Context, answers []KbaAnswerRequestItem) ([]KbaAnswerResponseItem, error) {
	items, err := call[[]KbaAnswerResponseItem](ctx, c, request{
		operation: "SetKbaAnswers", description: "set kba answers",
		method: http.MethodPost, path: "/mfa/kba/config/answers", body: nonNil(answers), retry: true, config: true,
	})
	if err != nil {
		return nil, err
	}
	return *items, nil
}

// SendToken sends a one-time token to a user (POST /mfa/token/send). Never retried.
func (c *Client) SendToken(ctx context.Context, req SendTokenRequest) (*SendTokenResponse, error) {
	return call[SendTokenResponse](ctx, c, request{
		operation: "SendToken", description: "send token",
		method: http.MethodPost, path: "/mfa/token/send", body: req,
	})
}

// PollVerification reads the status of a verification request of method
// (POST /mfa/{method}/poll). Never retried.
func (c *Client) PollVerification(ctx context.Context, method Method, req VerificationPollRequest) (*VerificationResponse, error) {
	return call[VerificationResponse](ctx, c, request{
		operation: "PollVerification", description: "poll " + string(method) + " verification",
		method: http.MethodPost, path: methodPath(method, "poll"), body: req,
	})
}

// VerifyDuo verifies a Duo Web signed response (POST /mfa/duo-web/verify). Never retried.
func (c *Client) VerifyDuo(ctx context.Context, req DuoVerificationRequest) (*VerificationResponse, error) {
	return call[VerificationResponse](ctx, c, request{
		operation: "VerifyDuo", description: "verify duo-web",
		method: http.MethodPost, path: "/mfa/duo-web/verify", body: req,
	})
}

// AuthenticateKba checks KBA answers of the identity that owns the
// credentials (POST /mfa/kba/authenticate). Never retried.
func (c *Client) AuthenticateKba(ctx context.Context, answers []KbaAnswerRequestItem) (*KbaAuthResponse, error) {
	return call[KbaAuthResponse](ctx, c, request{
		operation: "AuthenticateKba", description: "authenticate kba",
		method: http.MethodPost, path: "/mfa/kba/authenticate", body: nonNil(answers),
	})
}

// VerifyOkta starts an Okta Verify push (POST /mfa/okta-verify/verify).
// forwardedFor, the remote IP address of the user, is sent in the
// slpt-forwarding header when not empty. Never retried.
func (c *Client) VerifyOkta(ctx context.Context, req OktaVerificationRequest, forwardedFor string) (*VerificationResponse, error) {
	var header http.Header
	if forwardedFor != "" {
		header = http.Header{"Slpt-Forwarding": {forwardedFor}}
	}
	return call[VerificationResponse](ctx, c, request{
		operation: "VerifyOkta", description: "verify okta-verify",
		method: http.MethodPost, path: "/mfa/okta-verify/verify", header: header, body: req,
	})
}

// AuthenticateToken checks a one-time token (POST /mfa/token/authenticate). Never retried.
func (c *Client) AuthenticateToken(ctx context.Context, req TokenAuthRequest) (*TokenAuthResponse, error) {
	return call[TokenAuthResponse](ctx, c, request{
		operation: "AuthenticateToken", description: "authenticate token",
		method: http.MethodPost, path: "/mfa/token/authenticate", body: req,
	})
}

// configurationOperations are the operations SailPoint serves under /mfa/v1
// as well as under /v3/mfa.
var configurationOperations = map[string]bool{
	"GetOktaConfig": true, "SetOktaConfig": true, "GetDuoConfig": true, "SetDuoConfig": true,
	"TestConfig": true, "GetKbaConfig": true, "SetKbaAnswers": true,
}

// IsConfigurationOperation reports whether operation (a name passed to
// Options.OnDeprecated) is one of the seven configuration operations, which
// SailPoint also serves under /mfa/v1: for those, spec.configurationAPI V1
// (or Auto) is the way off the deprecated v3 API. DeleteConfig and the
// controller operations exist only in v3.
func IsConfigurationOperation(operation string) bool { return configurationOperations[operation] }

// methodPath is /mfa/{method}/{action} with method escaped.
func methodPath(method Method, action string) string {
	return "/mfa/" + url.PathEscape(string(method)) + "/" + action
}

// nonNil makes a nil list encode as [] instead of null.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}
