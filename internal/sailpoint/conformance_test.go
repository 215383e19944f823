package sailpoint_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The conformance test runs every one of the 14 v3 and 7 v1 operations through the real
// client against the emulator, records each HTTP exchange, and validates the request the
// client sent and the answer the emulator gave against SailPoint's published documents
// (with kin-openapi), on the success path and on each documented error status: 400, 401,
// 403, 429 and 500. The client and the emulator were written from the same reading of
// the reference; this test holds both to what SailPoint publishes.
//
// Where the document and its examples disagree (docs/limits.md), the test follows the
// schema: the schema is the normative part of an OpenAPI document, it is what SailPoint's
// generated SDKs decode with, and examples are illustrations that the validator does not
// read. So the emulator's KBA authenticate answer is checked with the schema's
// kbaAuthResponseItems / isVerified, not the example's kbaAuthResponseItem / IsVerified
// (the client accepts both, see TestKbaAuthResponseDecodesBothSpellings...), and KBA
// answers are plain strings (the schema), not the example's 64-hex digests.

// conformanceOp is one operation and how to provoke each answer from the emulator.
type conformanceOp struct {
	name string
	// path is the concrete v3 path the call uses; for configuration operations the v1
	// path is derived from it.
	method, path string
	config       bool // one of the seven configuration operations, also in /mfa/v1
	// call is the success path.
	call func(ctx context.Context, c *sailpoint.Client) error
	// hit makes one request of the operation whose arguments do not matter (the error
	// paths answer before the body is read); nil means call.
	hit func(ctx context.Context, c *sailpoint.Client) error
	// bad provokes a 400. nil for the two parameterless GETs of the Okta and Duo
	// configurations: SailPoint documents a 400 for them too, but they have no input
	// that could be wrong, so neither the emulator nor (as far as anyone knows)
	// SailPoint can answer one; the 400 body schema (ErrorResponseDto, the same for
	// every operation) is checked on the other 17.
	bad func(ctx context.Context, env *conformanceEnv) error
	// badOffSpec: bad's request is deliberately outside the document (a path parameter
	// outside its enum, a query parameter that is not a boolean), so only the answer is
	// validated.
	badOffSpec bool
}

var (
	oktaConfig = sailpoint.MfaOktaConfig{MfaMethod: "okta-verify", Enabled: true, Host: "acme.okta.com", AccessKey: "okta-access-key-0001", IdentityAttribute: "email"}
	duoConfig  = sailpoint.MfaDuoConfig{MfaMethod: "duo-web", Enabled: true, Host: "api-1.duosecurity.com", AccessKey: "duo-access-0001", IdentityAttribute: "uid",
		ConfigProperties: map[string]any{"ikey": "DIXXXXXXXXXXXXXXXXXX", "skey": "duo-secret-key-0001"}}
	kbaAnswers = []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "first car"}, {ID: "173422", Answer: "Lisbon"}}
)

func ignoreResult[T any](_ T, err error) error { return err }

var conformanceOps = []conformanceOp{
	{
		name: "GetOktaConfig", method: http.MethodGet, path: "/v3/mfa/okta-verify/config", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error { return ignoreResult(c.GetOktaConfig(ctx)) },
	},
	{
		name: "SetOktaConfig", method: http.MethodPut, path: "/v3/mfa/okta-verify/config", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.SetOktaConfig(ctx, oktaConfig))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			wrong := oktaConfig
			wrong.MfaMethod = "duo-web" // does not match the path
			return ignoreResult(env.admin.SetOktaConfig(ctx, wrong))
		},
	},
	{
		name: "GetDuoConfig", method: http.MethodGet, path: "/v3/mfa/duo-web/config", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error { return ignoreResult(c.GetDuoConfig(ctx)) },
	},
	{
		name: "SetDuoConfig", method: http.MethodPut, path: "/v3/mfa/duo-web/config", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.SetDuoConfig(ctx, duoConfig))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			wrong := duoConfig
			wrong.MfaMethod = "okta-verify"
			return ignoreResult(env.admin.SetDuoConfig(ctx, wrong))
		},
	},
	{
		name: "GetKbaConfig", method: http.MethodGet, path: "/v3/mfa/kba/config", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error {
			if _, err := c.GetKbaConfig(ctx, false); err != nil {
				return err
			}
			return ignoreResult(c.GetKbaConfig(ctx, true))
		},
		hit: func(ctx context.Context, c *sailpoint.Client) error { return ignoreResult(c.GetKbaConfig(ctx, true)) },
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return env.raw(ctx, http.MethodGet, env.path("/v3/mfa/kba/config")+"?allLanguages=maybe")
		},
		badOffSpec: true,
	},
	{
		name: "SetKbaAnswers", method: http.MethodPost, path: "/v3/mfa/kba/config/answers", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.SetKbaAnswers(ctx, kbaAnswers))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "no-such-question", Answer: "answer"}}))
		},
	},
	{
		name: "TestConfig", method: http.MethodGet, path: "/v3/mfa/okta-verify/test", config: true,
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.TestConfig(ctx, sailpoint.MethodOktaVerify))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.TestConfig(ctx, sailpoint.MethodKBA)) // not in the path enum
		},
		badOffSpec: true,
	},
	{
		name: "DeleteConfig", method: http.MethodDelete, path: "/v3/mfa/okta-verify/delete",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			if _, err := c.SetOktaConfig(ctx, oktaConfig); err != nil {
				return err
			}
			return ignoreResult(c.DeleteConfig(ctx, sailpoint.MethodOktaVerify))
		},
		hit: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.DeleteConfig(ctx, sailpoint.MethodOktaVerify))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.DeleteConfig(ctx, sailpoint.MethodKBA))
		},
		badOffSpec: true,
	},
	{
		name: "SendToken", method: http.MethodPost, path: "/v3/mfa/token/send",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.SendToken(ctx, sailpoint.SendTokenRequest{UserAlias: emulator.DefaultAdminName, DeliveryType: sailpoint.DeliveryEmailWork}))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.SendToken(ctx, sailpoint.SendTokenRequest{UserAlias: "", DeliveryType: sailpoint.DeliveryEmailWork}))
		},
	},
	{
		name: "PollVerification", method: http.MethodPost, path: "/v3/mfa/okta-verify/poll",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			if _, err := c.SetOktaConfig(ctx, oktaConfig); err != nil { // a push needs Okta configured
				return err
			}
			started, err := c.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: emulator.DefaultAdminName}, "203.0.113.7")
			if err != nil {
				return err
			}
			return ignoreResult(c.PollVerification(ctx, sailpoint.MethodOktaVerify, sailpoint.VerificationPollRequest{RequestID: started.RequestID}))
		},
		hit: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.PollVerification(ctx, sailpoint.MethodOktaVerify, sailpoint.VerificationPollRequest{RequestID: "0123456789abcdef"}))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.PollVerification(ctx, sailpoint.MethodOktaVerify, sailpoint.VerificationPollRequest{RequestID: "unknown-request"}))
		},
	},
	{
		name: "VerifyDuo", method: http.MethodPost, path: "/v3/mfa/duo-web/verify",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.VerifyDuo(ctx, sailpoint.DuoVerificationRequest{UserID: emulator.DefaultAdminName, SignedResponse: "AUTH|signed:APP|signed"}))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.VerifyDuo(ctx, sailpoint.DuoVerificationRequest{UserID: emulator.DefaultAdminName}))
		},
	},
	{
		name: "AuthenticateKba", method: http.MethodPost, path: "/v3/mfa/kba/authenticate",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			if _, err := c.SetKbaAnswers(ctx, kbaAnswers); err != nil {
				return err
			}
			return ignoreResult(c.AuthenticateKba(ctx, kbaAnswers))
		},
		hit: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.AuthenticateKba(ctx, kbaAnswers))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.AuthenticateKba(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "", Answer: "answer"}}))
		},
	},
	{
		name: "VerifyOkta", method: http.MethodPost, path: "/v3/mfa/okta-verify/verify",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: emulator.DefaultAdminName}, "203.0.113.7"))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			// slpt-forwarding is required by the description only, not declared as a
			// parameter, so the request is still inside the document.
			return ignoreResult(env.admin.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: emulator.DefaultAdminName}, ""))
		},
	},
	{
		name: "AuthenticateToken", method: http.MethodPost, path: "/v3/mfa/token/authenticate",
		call: func(ctx context.Context, c *sailpoint.Client) error {
			return ignoreResult(c.AuthenticateToken(ctx, sailpoint.TokenAuthRequest{Token: "123456", UserAlias: emulator.DefaultAdminName, DeliveryType: sailpoint.DeliveryEmailWork}))
		},
		bad: func(ctx context.Context, env *conformanceEnv) error {
			return ignoreResult(env.admin.AuthenticateToken(ctx, sailpoint.TokenAuthRequest{UserAlias: emulator.DefaultAdminName, DeliveryType: sailpoint.DeliveryEmailWork}))
		},
	},
}

// Scope-less PAT: an ORG_ADMIN identity whose token has only sp:scopes:default, so every
// MFA operation answers 403.
const (
	scopelessClientID     = "emulator-scopeless"
	scopelessClientSecret = "emulator-scopeless-secret"
)

// conformanceEnv is one emulator with a recording admin client and a scope-less one.
type conformanceEnv struct {
	emu       *emulator.Emulator
	baseURL   string
	rec       *recorder
	api       sailpoint.ConfigurationAPI
	admin     *sailpoint.Client
	scopeless *sailpoint.Client
}

func newConformanceEnv(t *testing.T, api sailpoint.ConfigurationAPI) *conformanceEnv {
	t.Helper()
	identities := append(emulator.DefaultIdentities(), emulator.Identity{
		ClientID: scopelessClientID, ClientSecret: scopelessClientSecret, IdentityID: "2c9180835d2e5168015d32f890ca9999",
		Name: "scopeless", Level: emulator.LevelOrgAdmin, Scopes: []string{"sp:scopes:default"},
	})
	emu := emulator.New(emulator.Config{Identities: identities, PendingPolls: -1})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	env := &conformanceEnv{emu: emu, baseURL: srv.URL, rec: &recorder{base: http.DefaultTransport}, api: api}
	newClient := func(id, secret string) *sailpoint.Client {
		c, err := sailpoint.New(sailpoint.Options{
			BaseURL: srv.URL, ClientID: id, ClientSecret: secret, ConfigurationAPI: api,
			HTTPClient: &http.Client{Transport: env.rec}, RequestsPerSecond: 1000,
			MaxRetries: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: time.Millisecond,
			Tenant: "test/conformance",
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	env.admin = newClient(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
	env.scopeless = newClient(scopelessClientID, scopelessClientSecret)
	return env
}

// path is the path of the operation on the environment's API: v3 paths of configuration
// operations move below /mfa/v1 when the client uses V1.
func (env *conformanceEnv) path(v3Path string) string {
	if env.api == sailpoint.ConfigurationAPIV1 {
		return "/mfa/v1/" + strings.TrimPrefix(v3Path, "/v3/mfa/")
	}
	return v3Path
}

// raw sends a request the client would never send, with a valid admin token, through
// the recorder.
func (env *conformanceEnv) raw(ctx context.Context, method, pathAndQuery string) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultAdminClientID}, "client_secret": {emulator.DefaultAdminClientSecret}}
	resp, err := http.PostForm(env.baseURL+"/oauth/token", form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, env.baseURL+pathAndQuery, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	answer, err := env.rec.RoundTrip(req)
	if err != nil {
		return err
	}
	return answer.Body.Close()
}

// scenario provokes one answer of op.
type scenario struct {
	status  int
	provoke func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp)
}

func (op conformanceOp) hitOnce(ctx context.Context, c *sailpoint.Client) error {
	if op.hit != nil {
		return op.hit(ctx, c)
	}
	return op.call(ctx, c)
}

var scenarios = []scenario{
	{http.StatusOK, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		if err := op.call(ctx, env.admin); err != nil {
			t.Fatalf("success path: %v", err)
		}
	}},
	{http.StatusBadRequest, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		_ = op.bad(ctx, env)
	}},
	{http.StatusUnauthorized, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		if _, err := env.admin.Token(ctx); err != nil {
			t.Fatal(err)
		}
		env.emu.ExpireTokens() // the cached token now gets a 401; the client renews it once
		_ = op.hitOnce(ctx, env.admin)
	}},
	{http.StatusForbidden, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		_ = op.hitOnce(ctx, env.scopeless)
	}},
	{http.StatusTooManyRequests, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		env.emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: time.Second, PathPrefix: env.opPath(op)})
		_ = op.hitOnce(ctx, env.admin)
	}},
	{http.StatusInternalServerError, func(t *testing.T, ctx context.Context, env *conformanceEnv, op conformanceOp) {
		env.emu.SetFaults(emulator.Faults{ServerErrors: 1, PathPrefix: env.opPath(op)})
		_ = op.hitOnce(ctx, env.admin)
	}},
}

func (env *conformanceEnv) opPath(op conformanceOp) string {
	if op.config {
		return env.path(op.path)
	}
	return op.path
}

func TestClientRequestsAndEmulatorAnswersFollowSailPointsOpenAPIDocuments(t *testing.T) {
	v3, v1 := loadDocument(t, v3Document), loadDocument(t, v1Document)
	covered := map[string][]int{} // "v3 getMFAOktaConfig" -> statuses seen valid

	for _, api := range []sailpoint.ConfigurationAPI{sailpoint.ConfigurationAPIV3, sailpoint.ConfigurationAPIV1} {
		for _, op := range conformanceOps {
			if api == sailpoint.ConfigurationAPIV1 && !op.config {
				continue // DELETE and the controller operations exist only in v3
			}
			for _, sc := range scenarios {
				if sc.status == http.StatusBadRequest && op.bad == nil {
					continue
				}
				t.Run(strings.Join([]string{string(api), op.name, http.StatusText(sc.status)}, "/"), func(t *testing.T) {
					env := newConformanceEnv(t, api)
					v := newValidator(t, v3, v1, env.baseURL)
					sc.provoke(t, t.Context(), env, op)

					path, seen := env.opPath(op), false
					wantID := v.operationID(t, op.method, path)
					if wantID == "" {
						t.Fatalf("%s %s is not in the document", op.method, path)
					}
					for _, ex := range env.rec.exchanges() {
						mine := v.operationID(t, ex.req.Method, ex.req.URL.Path) == wantID
						opID, err := v.check(ex, mine && sc.status == http.StatusBadRequest && op.badOffSpec)
						if err != nil {
							t.Error(err)
							continue
						}
						if mine && ex.status == sc.status {
							seen = true
							key := documentOf(path) + " " + opID
							covered[key] = append(covered[key], ex.status)
						}
					}
					if !seen {
						t.Errorf("no %d answer to %s %s was recorded", sc.status, op.method, path)
					}
				})
			}
		}
	}

	// Every operation of both documents was exercised with every documented status
	// (400 aside for the two parameterless GETs, see conformanceOp.bad).
	for name, doc := range map[string]*openapi3.T{"v3": v3, "v1": v1} {
		for _, item := range doc.Paths.Map() {
			for _, operation := range item.Operations() {
				key := name + " " + operation.OperationID
				for code := range operation.Responses.Map() {
					status := atoi(code)
					if status == http.StatusBadRequest && strings.HasPrefix(operation.OperationID, "getMFA") && !strings.Contains(operation.OperationID, "Kba") {
						continue
					}
					if !slices.Contains(covered[key], status) {
						t.Errorf("%s: documented status %s was not checked", key, code)
					}
				}
			}
		}
	}
	if len(covered) != 14+7 {
		t.Errorf("%d operations covered, want 21", len(covered))
	}
}

func documentOf(path string) string {
	if strings.HasPrefix(path, "/mfa/v1/") {
		return "v1"
	}
	return "v3"
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
