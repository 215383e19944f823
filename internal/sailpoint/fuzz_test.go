package sailpoint

import (
	"errors"
	"testing"
	"time"
)

// responseDecoders decode a body the way the client decodes each endpoint's response.
var responseDecoders = map[string]func([]byte) error{
	"MfaOktaConfig":           decodeAs[MfaOktaConfig](false),
	"MfaDuoConfig":            decodeAs[MfaDuoConfig](false),
	"MfaConfig":               decodeAs[MfaConfig](true),
	"MfaConfigTestResponse":   decodeAs[MfaConfigTestResponse](false),
	"[]KbaQuestion":           decodeAs[[]KbaQuestion](false),
	"[]KbaAnswerResponseItem": decodeAs[[]KbaAnswerResponseItem](false),
	"SendTokenResponse":       decodeAs[SendTokenResponse](false),
	"VerificationResponse":    decodeAs[VerificationResponse](false),
	"KbaAuthResponse":         decodeAs[KbaAuthResponse](false),
	"TokenAuthResponse":       decodeAs[TokenAuthResponse](false),
}

func decodeAs[T any](emptyOK bool) func([]byte) error {
	return func(body []byte) error {
		var out T
		return decodeBody("fuzz", body, emptyOK, &out)
	}
}

func FuzzDecodeResponses(f *testing.F) {
	seeds := []string{
		`{"mfaMethod":"okta-verify","enabled":true,"host":"example.com","accessKey":"d******Y","identityAttribute":"email"}`,
		`{"mfaMethod":"duo-web","enabled":true,"host":"example.com","accessKey":"d******Y","identityAttribute":"email","configProperties":{"skey":"6******B","ikey":"Q123WE45R6TY7890ZXCV"}}`,
		`{"state":"SUCCESS","error":null}`,
		`{"state":"FAILED","error":"MFA Method is disabled."}`,
		`[{"id":"143cfd3b-c23f-426b-ae5f-d3db06fa5919","text":"[{\"text\":\"Nouvelle question MFA -1 ?\",\"locale\":\"fr\"},{\"text\":\"MFA new question -1 ?\",\"locale\":\"\"}]","hasAnswer":true,"numAnswers":5}]`,
		`[{"id":"c54fee53-2d63-4fc5-9259-3e93b9994135","question":"What is your mother's maiden name?","hasAnswer":true}]`,
		`{"requestId":"089899f13a8f4da7824996191587bab9","status":"SUCCESS","errorMessage":"Unable to sent text message"}`,
		`{"requestId":"089899f13a8f4da7824996191587bab9","status":"PENDING","error":""}`,
		`{"kbaAuthResponseItems":[{"questionId":"089899f13a8f4da7824996191587bab9","isVerified":false}],"status":"PENDING"}`,
		`{"kbaAuthResponseItem":[{"questionId":"089899f13a8f4da7824996191587bab9","IsVerified":true}],"status":"SUCCESS"}`,
		`{"kbaAuthResponseItem":{"questionId":"q"}}`,
		`{"status":"PENDING"}`,
		body400, body401, body403, body429, body500,
		`{"error":"invalid_client","error_description":"Bad credentials"}`,
		`Sun, 01 Mar 2026 12:00:30 GMT`,
		`eyJhbGciOiJSUzI1NiJ9.eyJpZGVudGl0eV9pZCI6IngiLCJleHAiOjEsInNjb3BlIjpbImEiXX0.c2ln`,
		``, `null`, `[]`, `{}`, `{"x":`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, decode := range responseDecoders {
			if err := decode(body); err != nil && !errors.Is(err, ErrInvalidResponse) {
				t.Errorf("%s: error %v is not ErrInvalidResponse", name, err)
			}
		}
		apiErr := newAPIError("fuzz", 500, nil, body, now, func(s string) string { return s })
		_ = apiErr.Error()
		_ = ParseLocalizedText(string(body))
		_ = parseJWTClaims(string(body))
		if d := parseRetryAfter(string(body), now); d < 0 || d > maxRetryAfter {
			t.Errorf("parseRetryAfter(%q) = %v", body, d)
		}
	})
}
