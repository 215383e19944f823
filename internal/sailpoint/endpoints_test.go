package sailpoint

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

const kbaMultiLanguageText = `[{"text":"Nouvelle question MFA -1 ?","locale":"fr"},{"text":"MFA new question -1 ?","locale":""}]`

func TestEndpointsSendTheRequestSailPointExpectsAndDecodeTheExampleResponse(t *testing.T) {
	tests := []struct {
		name       string
		call       func(context.Context, *Client) (any, error)
		wantMethod string
		wantPath   string
		wantQuery  string
		wantBody   string            // "" for no body
		wantHeader map[string]string // extra headers
		response   string
		want       any
	}{
		{
			name:       "GetOktaConfig reads the okta-verify config",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetOktaConfig(ctx) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/okta-verify/config",
			response: `{"mfaMethod":"okta-verify","enabled":true,"host":"example.com","accessKey":"d******Y","identityAttribute":"email"}`,
			want:     &MfaOktaConfig{MfaMethod: "okta-verify", Enabled: true, Host: "example.com", AccessKey: "d******Y", IdentityAttribute: "email"},
		},
		{
			name:       "SetOktaConfig puts the full okta-verify config",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.SetOktaConfig(ctx, testOktaConfig) },
			wantMethod: http.MethodPut, wantPath: "/v3/mfa/okta-verify/config",
			wantBody: `{"mfaMethod":"okta-verify","enabled":true,"host":"example.com","accessKey":"` + secretAccessKey + `","identityAttribute":"email"}`,
			response: `{"mfaMethod":"okta-verify","enabled":true,"host":"example.com","accessKey":"q******y","identityAttribute":"email"}`,
			want:     &MfaOktaConfig{MfaMethod: "okta-verify", Enabled: true, Host: "example.com", AccessKey: "q******y", IdentityAttribute: "email"},
		},
		{
			name:       "GetDuoConfig reads the duo-web config with its configProperties",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetDuoConfig(ctx) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/duo-web/config",
			response: `{"mfaMethod":"duo-web","enabled":true,"host":"example.com","accessKey":"d******Y","identityAttribute":"email",` +
				`"configProperties":{"skey":"6******B","ikey":"Q123WE45R6TY7890ZXCV","extra":{"n":1}}}`,
			want: &MfaDuoConfig{MfaMethod: "duo-web", Enabled: true, Host: "example.com", AccessKey: "d******Y", IdentityAttribute: "email",
				ConfigProperties: map[string]any{"skey": "6******B", "ikey": "Q123WE45R6TY7890ZXCV", "extra": map[string]any{"n": float64(1)}}},
		},
		{
			name:       "SetDuoConfig puts the full duo-web config and sends enabled false",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.SetDuoConfig(ctx, testDuoConfig) },
			wantMethod: http.MethodPut, wantPath: "/v3/mfa/duo-web/config",
			wantBody: `{"mfaMethod":"duo-web","enabled":false,"host":"api-0a1b2c3d.duosecurity.com","accessKey":"` + secretAccessKey +
				`","identityAttribute":"email","configProperties":{"ikey":"` + secretIKey + `","skey":"` + secretSKey + `"}}`,
			response: `{"mfaMethod":"duo-web","enabled":false,"host":"api-0a1b2c3d.duosecurity.com","accessKey":"q******y","identityAttribute":"email","configProperties":{"skey":"q******x","ikey":"Q123WE45R6TY7890ZXCV"}}`,
			want: &MfaDuoConfig{MfaMethod: "duo-web", Host: "api-0a1b2c3d.duosecurity.com", AccessKey: "q******y", IdentityAttribute: "email",
				ConfigProperties: map[string]any{"skey": "q******x", "ikey": "Q123WE45R6TY7890ZXCV"}},
		},
		{
			name:       "DeleteConfig deletes the okta-verify config and decodes the returned config",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.DeleteConfig(ctx, MethodOktaVerify) },
			wantMethod: http.MethodDelete, wantPath: "/v3/mfa/okta-verify/delete",
			response: `{"mfaMethod":"okta-verify","enabled":true,"host":"example.com","accessKey":"d******Y","identityAttribute":"email"}`,
			want:     &MfaConfig{MfaOktaConfig: MfaOktaConfig{MfaMethod: "okta-verify", Enabled: true, Host: "example.com", AccessKey: "d******Y", IdentityAttribute: "email"}},
		},
		{
			name:       "DeleteConfig keeps duo-web configProperties",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.DeleteConfig(ctx, MethodDuoWeb) },
			wantMethod: http.MethodDelete, wantPath: "/v3/mfa/duo-web/delete",
			response: `{"mfaMethod":"duo-web","enabled":false,"configProperties":{"ikey":"Q123WE45R6TY7890ZXCV"}}`,
			want:     &MfaConfig{MfaOktaConfig: MfaOktaConfig{MfaMethod: "duo-web"}, ConfigProperties: map[string]any{"ikey": "Q123WE45R6TY7890ZXCV"}},
		},
		{
			name:       "DeleteConfig accepts an empty body",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.DeleteConfig(ctx, MethodOktaVerify) },
			wantMethod: http.MethodDelete, wantPath: "/v3/mfa/okta-verify/delete",
			response: ``,
			want:     &MfaConfig{},
		},
		{
			name:       "TestConfig reports success with a null error",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.TestConfig(ctx, MethodOktaVerify) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/okta-verify/test",
			response: `{"state":"SUCCESS","error":null}`,
			want:     &MfaConfigTestResponse{State: TestStateSuccess},
		},
		{
			name:       "TestConfig reports a failed test as a result, not an error",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.TestConfig(ctx, MethodDuoWeb) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/duo-web/test",
			response: `{"state":"FAILED","error":"MFA Method is disabled."}`,
			want:     &MfaConfigTestResponse{State: TestStateFailed, Error: "MFA Method is disabled."},
		},
		{
			name:       "GetKbaConfig without allLanguages sends no query",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetKbaConfig(ctx, false) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/kba/config",
			response: `[{"id":"173423","text":"What is your mother's maiden name?","hasAnswer":true,"numAnswers":5}]`,
			want:     []KbaQuestion{{ID: "173423", Text: "What is your mother's maiden name?", HasAnswer: true, NumAnswers: 5}},
		},
		{
			name:       "GetKbaConfig with allLanguages sends allLanguages=true",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetKbaConfig(ctx, true) },
			wantMethod: http.MethodGet, wantPath: "/v3/mfa/kba/config", wantQuery: "allLanguages=true",
			response: `[{"id":"143cfd3b-c23f-426b-ae5f-d3db06fa5919","text":"[{\"text\":\"Nouvelle question MFA -1 ?\",\"locale\":\"fr\"},{\"text\":\"MFA new question -1 ?\",\"locale\":\"\"}]","hasAnswer":true,"numAnswers":5}]`,
			want:     []KbaQuestion{{ID: "143cfd3b-c23f-426b-ae5f-d3db06fa5919", Text: kbaMultiLanguageText, HasAnswer: true, NumAnswers: 5}},
		},
		{
			name:       "SetKbaAnswers posts the answer list",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.SetKbaAnswers(ctx, testAnswers) },
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/kba/config/answers",
			wantBody: `[{"id":"173423","answer":"` + secretAnswer + `"},{"id":"c54fee53-2d63-4fc5-9259-3e93b9994135","answer":"` + secretAnswer2 + `"}]`,
			response: `[{"id":"173423","question":"[{\"text\":\"Nouvelle question MFA -1 ?\",\"locale\":\"fr\"},{\"text\":\"MFA new question -1 ?\",\"locale\":\"\"}]","hasAnswer":true},` +
				`{"id":"c54fee53-2d63-4fc5-9259-3e93b9994135","question":"What was the name of your first pet?","hasAnswer":true}]`,
			want: []KbaAnswerResponseItem{
				{ID: "173423", Question: kbaMultiLanguageText, HasAnswer: true},
				{ID: "c54fee53-2d63-4fc5-9259-3e93b9994135", Question: "What was the name of your first pet?", HasAnswer: true},
			},
		},
		{
			name:       "SetKbaAnswers with no answers posts an empty list, not null",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.SetKbaAnswers(ctx, nil) },
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/kba/config/answers",
			wantBody: `[]`,
			response: `[]`,
			want:     []KbaAnswerResponseItem{},
		},
		{
			name: "SendToken posts the user alias and delivery type",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToken(ctx, SendTokenRequest{UserAlias: "will.albin", DeliveryType: DeliveryEmailWork})
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/token/send",
			wantBody: `{"userAlias":"will.albin","deliveryType":"EMAIL_WORK"}`,
			response: `{"requestId":"089899f13a8f4da7824996191587bab9","status":"SUCCESS","errorMessage":null}`,
			want:     &SendTokenResponse{RequestID: "089899f13a8f4da7824996191587bab9", Status: VerificationSuccess},
		},
		{
			name: "PollVerification posts the request id to the method's poll path",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PollVerification(ctx, MethodOktaVerify, VerificationPollRequest{RequestID: "089899f13a8f4da7824996191587bab9"})
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/okta-verify/poll",
			wantBody: `{"requestId":"089899f13a8f4da7824996191587bab9"}`,
			response: `{"requestId":"089899f13a8f4da7824996191587bab9","status":"PENDING","error":""}`,
			want:     &VerificationResponse{RequestID: "089899f13a8f4da7824996191587bab9", Status: VerificationPending},
		},
		{
			name: "PollVerification escapes the method and keeps unknown statuses",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PollVerification(ctx, Method("a/b c"), VerificationPollRequest{RequestID: "r1"})
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/a%2Fb%20c/poll",
			wantBody: `{"requestId":"r1"}`,
			response: `{"requestId":"r1","status":"SOMETHING_NEW"}`,
			want:     &VerificationResponse{RequestID: "r1", Status: "SOMETHING_NEW"},
		},
		{
			name: "VerifyDuo posts the user id and signed response",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.VerifyDuo(ctx, DuoVerificationRequest{UserID: "2c9180947f0ef465017f215cbcfd004b", SignedResponse: secretSigned})
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/duo-web/verify",
			wantBody: `{"userId":"2c9180947f0ef465017f215cbcfd004b","signedResponse":"` + secretSigned + `"}`,
			response: `{"requestId":"089899f13a8f4da7824996191587bab9","status":"SUCCESS","error":""}`,
			want:     &VerificationResponse{RequestID: "089899f13a8f4da7824996191587bab9", Status: VerificationSuccess},
		},
		{
			name:       "AuthenticateKba posts the answers and decodes the example's key names",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.AuthenticateKba(ctx, testAnswers[:1]) },
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/kba/authenticate",
			wantBody: `[{"id":"173423","answer":"` + secretAnswer + `"}]`,
			response: `{"kbaAuthResponseItem":[{"questionId":"089899f13a8f4da7824996191587bab9","IsVerified":true}],"status":"SUCCESS"}`,
			want: &KbaAuthResponse{Status: VerificationSuccess,
				KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "089899f13a8f4da7824996191587bab9", IsVerified: ptr(true)}}},
		},
		{
			name: "VerifyOkta posts the user id with the slpt-forwarding header",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.VerifyOkta(ctx, OktaVerificationRequest{UserID: "example@mail.com"}, "203.0.113.7")
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/okta-verify/verify",
			wantBody:   `{"userId":"example@mail.com"}`,
			wantHeader: map[string]string{"slpt-forwarding": "203.0.113.7"},
			response:   `{"requestId":"089899f13a8f4da7824996191587bab9","status":"PENDING","error":""}`,
			want:       &VerificationResponse{RequestID: "089899f13a8f4da7824996191587bab9", Status: VerificationPending},
		},
		{
			name: "VerifyOkta sends no slpt-forwarding header when forwardedFor is empty",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.VerifyOkta(ctx, OktaVerificationRequest{UserID: "example@mail.com"}, "")
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/okta-verify/verify",
			wantBody:   `{"userId":"example@mail.com"}`,
			wantHeader: map[string]string{"slpt-forwarding": ""},
			response:   `{"requestId":"r2","status":"LOCKOUT","error":"Too many attempts"}`,
			want:       &VerificationResponse{RequestID: "r2", Status: VerificationLockout, Error: "Too many attempts"},
		},
		{
			name: "AuthenticateToken posts the token, user alias and delivery type",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AuthenticateToken(ctx, TokenAuthRequest{Token: secretOTP, UserAlias: "will.albin", DeliveryType: DeliveryEmailWork})
			},
			wantMethod: http.MethodPost, wantPath: "/v3/mfa/token/authenticate",
			wantBody: `{"token":"` + secretOTP + `","userAlias":"will.albin","deliveryType":"EMAIL_WORK"}`,
			response: `{"status":"PENDING"}`,
			want:     &TokenAuthResponse{Status: VerificationPending},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTenant(t)
			ft.setAPI(respond(http.StatusOK, tt.response))
			c := newTestClient(t, ft)

			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %#v, want %#v", got, tt.want)
			}
			reqs := ft.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d API requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != tt.wantMethod || r.escapedPath != tt.wantPath || r.rawQuery != tt.wantQuery {
				t.Errorf("request = %s %s?%s, want %s %s?%s", r.method, r.escapedPath, r.rawQuery, tt.wantMethod, tt.wantPath, tt.wantQuery)
			}
			wantHeader := map[string]string{
				"Authorization": "Bearer " + ft.issuedToken(0),
				"Accept":        "application/json",
				"User-Agent":    "sailpoint-mfa-operator/dev",
				"Content-Type":  "",
			}
			if tt.wantBody != "" {
				wantHeader["Content-Type"] = "application/json"
				assertJSONEqual(t, r.body, tt.wantBody)
			} else if len(r.body) != 0 {
				t.Errorf("body = %q, want none", r.body)
			}
			for name, value := range tt.wantHeader {
				wantHeader[name] = value
			}
			for name, want := range wantHeader {
				if got := r.header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestEveryEndpointIsListedOnceInTheSharedTable(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range allEndpoints {
		if seen[e.name] {
			t.Errorf("%s listed twice", e.name)
		}
		seen[e.name] = true
	}
	if len(seen) != 14 {
		t.Errorf("got %d endpoints, want 14", len(seen))
	}
}

func TestUserAgentCanBeSet(t *testing.T) {
	ft := newFakeTenant(t)
	c := newTestClient(t, ft, func(o *Options) { o.UserAgent = "custom-agent/1.2" })
	if _, err := c.GetOktaConfig(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := ft.requests()[0].header.Get("User-Agent"); got != "custom-agent/1.2" {
		t.Errorf("User-Agent = %q", got)
	}
}
