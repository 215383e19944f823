package sailpoint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Method identifies an MFA method in paths such as /mfa/{method}/test.
// Unknown values are passed through unchanged.
type Method string

// MFA methods known to the v3 API.
const (
	MethodOktaVerify Method = "okta-verify"
	MethodDuoWeb     Method = "duo-web"
	MethodKBA        Method = "kba"
	MethodToken      Method = "token"
	MethodRSA        Method = "rsa"
)

// TestState is the result of GET /mfa/{method}/test.
type TestState string

// Test states. A failed test is a 200 response with TestStateFailed.
const (
	TestStateSuccess TestState = "SUCCESS"
	TestStateFailed  TestState = "FAILED"
)

// VerificationStatus is the status of a verification, KBA or token authentication.
type VerificationStatus string

// Verification statuses.
const (
	VerificationPending       VerificationStatus = "PENDING"
	VerificationSuccess       VerificationStatus = "SUCCESS"
	VerificationFailed        VerificationStatus = "FAILED"
	VerificationLockout       VerificationStatus = "LOCKOUT"
	VerificationNotEnoughData VerificationStatus = "NOT_ENOUGH_DATA"
)

// DeliveryType selects the channel and identity attribute a one-time token is sent through.
type DeliveryType string

// Delivery types; the comment names the channel and the identity attribute used.
const (
	DeliverySMSPersonal   DeliveryType = "SMS_PERSONAL"   // sms, phone
	DeliveryVoicePersonal DeliveryType = "VOICE_PERSONAL" // voice, phone
	DeliverySMSWork       DeliveryType = "SMS_WORK"       // sms, work
	DeliveryVoiceWork     DeliveryType = "VOICE_WORK"     // voice, work
	DeliveryEmailWork     DeliveryType = "EMAIL_WORK"     // email, email
	DeliveryEmailPersonal DeliveryType = "EMAIL_PERSONAL" // email, personalEmail
)

// LocaleOrigin says where the locale of an error message came from.
// SailPoint may add values without notice.
type LocaleOrigin string

// Locale origins.
const (
	LocaleOriginDefault LocaleOrigin = "DEFAULT"
	LocaleOriginRequest LocaleOrigin = "REQUEST"
)

// redacted replaces secret values in String methods.
const redacted = "[redacted]"

// MfaOktaConfig is the Okta Verify configuration. GET and PUT return the
// access key masked (e.g. "d******Y"); PUT replaces the whole object, so it
// must carry the real access key. A JSON null decodes to "".
type MfaOktaConfig struct {
	// MfaMethod is the method name, e.g. "okta-verify".
	MfaMethod string `json:"mfaMethod,omitempty"`
	// Enabled is always sent, because PUT is a full replacement.
	Enabled bool `json:"enabled"`
	// Host is the provider host without scheme, e.g. "example.okta.com".
	Host string `json:"host,omitempty"`
	// AccessKey is the provider API key; masked on read.
	AccessKey string `json:"accessKey,omitempty"`
	// IdentityAttribute is the identity attribute matched to the provider's user, e.g. "email".
	IdentityAttribute string `json:"identityAttribute,omitempty"`
}

// String describes the configuration without its access key.
func (c MfaOktaConfig) String() string {
	return fmt.Sprintf("{mfaMethod:%s enabled:%t host:%s accessKey:%s identityAttribute:%s}",
		c.MfaMethod, c.Enabled, c.Host, redactNonEmpty(c.AccessKey), c.IdentityAttribute)
}

// MfaDuoConfig is the Duo Web configuration: the Okta fields plus
// configProperties, which holds at least "ikey" (integration key) and "skey"
// (secret key, masked on read). Unknown keys are kept.
type MfaDuoConfig struct {
	MfaMethod         string         `json:"mfaMethod,omitempty"`
	Enabled           bool           `json:"enabled"`
	Host              string         `json:"host,omitempty"`
	AccessKey         string         `json:"accessKey,omitempty"`
	IdentityAttribute string         `json:"identityAttribute,omitempty"`
	ConfigProperties  map[string]any `json:"configProperties,omitempty"`
}

// IKey returns the Duo integration key from configProperties, or "".
func (c MfaDuoConfig) IKey() string { return stringProperty(c.ConfigProperties, "ikey") }

// SKey returns the Duo secret key from configProperties, or "" (masked on read).
func (c MfaDuoConfig) SKey() string { return stringProperty(c.ConfigProperties, "skey") }

// String describes the configuration without its access key or any configProperties value.
func (c MfaDuoConfig) String() string {
	return fmt.Sprintf("{mfaMethod:%s enabled:%t host:%s accessKey:%s identityAttribute:%s configProperties:%s}",
		c.MfaMethod, c.Enabled, c.Host, redactNonEmpty(c.AccessKey), c.IdentityAttribute, redactedKeys(c.ConfigProperties))
}

// MfaConfig is the body DELETE /mfa/{method}/delete returns. The API declares
// it as MfaOktaConfig for both methods; ConfigProperties keeps Duo's
// properties when they are present.
type MfaConfig struct {
	MfaOktaConfig
	ConfigProperties map[string]any `json:"configProperties,omitempty"`
}

// String describes the configuration without secrets.
func (c MfaConfig) String() string {
	return fmt.Sprintf("{%s configProperties:%s}", c.MfaOktaConfig, redactedKeys(c.ConfigProperties))
}

// KbaQuestion is a KBA question configured in the tenant.
type KbaQuestion struct {
	// ID is a numeric string or a UUID.
	ID string `json:"id"`
	// Text is plain text or a JSON-encoded list of localized texts; see Texts.
	Text string `json:"text"`
	// HasAnswer reports whether any user in the tenant answered the question.
	HasAnswer bool `json:"hasAnswer"`
	// NumAnswers is the number of KBA configurations for the question.
	NumAnswers int32 `json:"numAnswers"`
}

// Texts returns the question's localized texts; see ParseLocalizedText.
func (q KbaQuestion) Texts() []LocalizedText { return ParseLocalizedText(q.Text) }

// KbaAnswerRequestItem is one answer sent to /mfa/kba/config/answers or /mfa/kba/authenticate.
type KbaAnswerRequestItem struct {
	ID     string `json:"id"`
	Answer string `json:"answer"`
}

// String describes the item without its answer.
func (i KbaAnswerRequestItem) String() string {
	return fmt.Sprintf("{id:%s answer:%s}", i.ID, redactNonEmpty(i.Answer))
}

// KbaAnswerResponseItem is one question of the current user's KBA configuration.
type KbaAnswerResponseItem struct {
	ID string `json:"id"`
	// Question is plain text or a JSON-encoded list of localized texts; see Texts.
	Question string `json:"question"`
	// HasAnswer reports whether the current user answered the question.
	HasAnswer bool `json:"hasAnswer"`
}

// Texts returns the question's localized texts; see ParseLocalizedText.
func (i KbaAnswerResponseItem) Texts() []LocalizedText { return ParseLocalizedText(i.Question) }

// MfaConfigTestResponse is the result of GET /mfa/{method}/test.
type MfaConfigTestResponse struct {
	State TestState `json:"state,omitempty"`
	// Error explains a failed test; a JSON null decodes to "".
	Error string `json:"error,omitempty"`
}

// SendTokenRequest asks SailPoint to send a one-time token to a user.
type SendTokenRequest struct {
	// UserAlias is the identity's name, e.g. "will.albin".
	UserAlias    string       `json:"userAlias"`
	DeliveryType DeliveryType `json:"deliveryType"`
}

// SendTokenResponse is the answer to POST /mfa/token/send.
type SendTokenResponse struct {
	RequestID string `json:"requestId,omitempty"`
	// Status is VerificationSuccess or VerificationFailed.
	Status       VerificationStatus `json:"status,omitempty"`
	ErrorMessage string             `json:"errorMessage,omitempty"`
}

// VerificationPollRequest names the verification request to poll.
type VerificationPollRequest struct {
	RequestID string `json:"requestId"`
}

// VerificationResponse is the state of a push verification (Okta Verify, Duo) or a poll.
type VerificationResponse struct {
	RequestID string             `json:"requestId,omitempty"`
	Status    VerificationStatus `json:"status,omitempty"`
	// Error is "" on success.
	Error string `json:"error,omitempty"`
}

// DuoVerificationRequest carries the Duo Web signed response of a user.
type DuoVerificationRequest struct {
	UserID string `json:"userId"`
	// SignedResponse is the Duo Web "AUTH|...:APP|..." response.
	SignedResponse string `json:"signedResponse"`
}

// OktaVerificationRequest starts an Okta Verify push for a user.
type OktaVerificationRequest struct {
	// UserID is the value of the user's configured identity attribute, e.g. an e-mail.
	UserID string `json:"userId"`
}

// KbaAuthResponse is the answer to POST /mfa/kba/authenticate. It decodes
// both the schema's names (kbaAuthResponseItems, isVerified) and the
// example's (kbaAuthResponseItem, IsVerified), and encodes the schema's.
type KbaAuthResponse struct {
	KbaAuthResponseItems []KbaAuthResponseItem `json:"kbaAuthResponseItems,omitempty"`
	Status               VerificationStatus    `json:"status,omitempty"`
}

// UnmarshalJSON accepts kbaAuthResponseItems or kbaAuthResponseItem, each
// as a list or a single object.
func (r *KbaAuthResponse) UnmarshalJSON(data []byte) error {
	var wire struct {
		Items  json.RawMessage    `json:"kbaAuthResponseItems"`
		Item   json.RawMessage    `json:"kbaAuthResponseItem"`
		Status VerificationStatus `json:"status"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	raw := wire.Items
	if len(raw) == 0 {
		raw = wire.Item
	}
	items, err := decodeOneOrMany[KbaAuthResponseItem](raw)
	if err != nil {
		return err
	}
	*r = KbaAuthResponse{KbaAuthResponseItems: items, Status: wire.Status}
	return nil
}

// KbaAuthResponseItem reports whether one answer was verified.
type KbaAuthResponseItem struct {
	QuestionID string `json:"questionId,omitempty"`
	// IsVerified is nil when SailPoint sends null or nothing.
	IsVerified *bool `json:"isVerified,omitempty"`
}

// UnmarshalJSON accepts isVerified and IsVerified.
func (i *KbaAuthResponseItem) UnmarshalJSON(data []byte) error {
	var wire struct {
		QuestionID      string `json:"questionId"`
		IsVerified      *bool  `json:"isVerified"`
		IsVerifiedUpper *bool  `json:"IsVerified"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	verified := wire.IsVerified
	if verified == nil {
		verified = wire.IsVerifiedUpper
	}
	*i = KbaAuthResponseItem{QuestionID: wire.QuestionID, IsVerified: verified}
	return nil
}

// TokenAuthRequest checks a one-time token a user received.
type TokenAuthRequest struct {
	Token        string       `json:"token"`
	UserAlias    string       `json:"userAlias"`
	DeliveryType DeliveryType `json:"deliveryType"`
}

// String describes the request without its token.
func (r TokenAuthRequest) String() string {
	return fmt.Sprintf("{token:%s userAlias:%s deliveryType:%s}", redactNonEmpty(r.Token), r.UserAlias, r.DeliveryType)
}

// TokenAuthResponse is the answer to POST /mfa/token/authenticate.
type TokenAuthResponse struct {
	Status VerificationStatus `json:"status,omitempty"`
}

// ErrorResponseDto is the body of 400, 403 and 500 responses.
type ErrorResponseDto struct {
	// DetailCode is a fine-grained code, e.g. "400.1 Bad Request Content".
	DetailCode string `json:"detailCode,omitempty"`
	// TrackingID identifies the request in SailPoint's logs.
	TrackingID string `json:"trackingId,omitempty"`
	// Messages are generic localized reasons.
	Messages []ErrorMessageDto `json:"messages,omitempty"`
	// Causes are plain-text details.
	Causes []ErrorMessageDto `json:"causes,omitempty"`
}

// ErrorMessageDto is one localized error message.
type ErrorMessageDto struct {
	// Locale is a BCP 47 tag, e.g. "en-US".
	Locale       string       `json:"locale,omitempty"`
	LocaleOrigin LocaleOrigin `json:"localeOrigin,omitempty"`
	Text         string       `json:"text,omitempty"`
}

// UnauthorizedResponse is the body of a 401 response, e.g.
// {"error": "JWT validation failed: JWT is expired"}.
type UnauthorizedResponse struct {
	Error string `json:"error,omitempty"`
}

// RateLimitedResponse is the body of a 429 response, e.g. {"message": " Rate Limit Exceeded "}.
type RateLimitedResponse struct {
	Message string `json:"message,omitempty"`
}

// LocalizedText is a question text in one locale; Locale "" is the default locale.
type LocalizedText struct {
	Text   string `json:"text"`
	Locale string `json:"locale"`
}

// ParseLocalizedText splits a KBA question text into its localized texts.
// SailPoint sends either plain text or, with allLanguages=true, a JSON-encoded
// list such as [{"text":"Question ?","locale":"fr"},{"text":"Question?","locale":""}].
// Anything that is not a non-empty list of that shape is returned as one text
// with the default locale.
func ParseLocalizedText(s string) []LocalizedText {
	trimmed := strings.TrimSpace(s)
	if strings.HasPrefix(trimmed, "[") {
		var texts []LocalizedText
		if err := json.Unmarshal([]byte(trimmed), &texts); err == nil && len(texts) > 0 {
			return texts
		}
	}
	return []LocalizedText{{Text: s}}
}

// DefaultText is the text of a question in the default locale: the entry with locale "",
// else "en", else the first; plain text as it is.
func DefaultText(s string) string {
	texts := ParseLocalizedText(s)
	for _, want := range []string{"", "en"} {
		for _, t := range texts {
			if strings.EqualFold(t.Locale, want) {
				return t.Text
			}
		}
	}
	return texts[0].Text
}

// HasText reports whether text (white space around it not counted) is the question's text in
// any of its locales.
func (q KbaQuestion) HasText(text string) bool {
	want := strings.TrimSpace(text)
	for _, t := range q.Texts() {
		if strings.TrimSpace(t.Text) == want {
			return true
		}
	}
	return false
}

// decodeOneOrMany decodes a JSON list of T, a single T, null or nothing.
func decodeOneOrMany[T any](raw json.RawMessage) ([]T, error) {
	trimmed := strings.TrimSpace(string(raw))
	switch {
	case trimmed == "" || trimmed == "null":
		return nil, nil
	case strings.HasPrefix(trimmed, "{"):
		var one T
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	default:
		var many []T
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, err
		}
		return many, nil
	}
}

func stringProperty(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

func redactNonEmpty(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// redactedKeys renders a property map with its values hidden, e.g. map[ikey:[redacted]].
func redactedKeys(props map[string]any) string {
	hidden := make(map[string]string, len(props))
	for k := range props {
		hidden[k] = redacted
	}
	return fmt.Sprint(hidden)
}
