package sailpoint

import "context"

// API is what reconcilers need from SailPoint, so that tests can fake it.
// *Client implements it; see its methods for the semantics.
type API interface {
	// Token returns the non-secret facts of the access token.
	Token(ctx context.Context) (TokenInfo, error)
	// ConfigurationAPI reports the API the configuration operations use now, "v1" or "v3".
	ConfigurationAPI() string

	// MFA configuration.
	GetOktaConfig(ctx context.Context) (*MfaOktaConfig, error)
	SetOktaConfig(ctx context.Context, cfg MfaOktaConfig) (*MfaOktaConfig, error)
	GetDuoConfig(ctx context.Context) (*MfaDuoConfig, error)
	SetDuoConfig(ctx context.Context, cfg MfaDuoConfig) (*MfaDuoConfig, error)
	DeleteConfig(ctx context.Context, method Method) (*MfaConfig, error)
	TestConfig(ctx context.Context, method Method) (*MfaConfigTestResponse, error)
	GetKbaConfig(ctx context.Context, allLanguages bool) ([]KbaQuestion, error)
	SetKbaAnswers(ctx context.Context, answers []KbaAnswerRequestItem) ([]KbaAnswerResponseItem, error)

	// MFA controller; never retried.
	SendToken(ctx context.Context, req SendTokenRequest) (*SendTokenResponse, error)
	PollVerification(ctx context.Context, method Method, req VerificationPollRequest) (*VerificationResponse, error)
	VerifyDuo(ctx context.Context, req DuoVerificationRequest) (*VerificationResponse, error)
	AuthenticateKba(ctx context.Context, answers []KbaAnswerRequestItem) (*KbaAuthResponse, error)
	VerifyOkta(ctx context.Context, req OktaVerificationRequest, forwardedFor string) (*VerificationResponse, error)
	AuthenticateToken(ctx context.Context, req TokenAuthRequest) (*TokenAuthResponse, error)
}

var _ API = (*Client)(nil)
