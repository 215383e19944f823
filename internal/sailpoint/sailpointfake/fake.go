// Package sailpointfake is an in-memory fake of sailpoint.API for tests of the code that uses
// the client (the reconcilers). Each method can be replaced by a function field; by default
// the fake behaves like an empty, healthy tenant: PUT stores the configuration and GET returns
// it masked, the test succeeds for a stored configuration, the KBA questions are listed, an
// answers POST stores the set and reports hasAnswer, and authenticate compares with what is
// stored. Errors of SailPoint are injected per operation, always or for the next N calls, as
// the client's own typed errors (see HTTPError, RateLimited, Timeout). Every call is logged by
// operation name, in order, without any argument: no secret ever reaches the log.
package sailpointfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// Op names an operation of sailpoint.API in the call log and for fault injection: the
// method's name.
type Op string

// The operations of sailpoint.API.
const (
	OpToken             Op = "Token"
	OpGetOktaConfig     Op = "GetOktaConfig"
	OpSetOktaConfig     Op = "SetOktaConfig"
	OpGetDuoConfig      Op = "GetDuoConfig"
	OpSetDuoConfig      Op = "SetDuoConfig"
	OpDeleteConfig      Op = "DeleteConfig"
	OpTestConfig        Op = "TestConfig"
	OpGetKbaConfig      Op = "GetKbaConfig"
	OpSetKbaAnswers     Op = "SetKbaAnswers"
	OpSendToken         Op = "SendToken"
	OpPollVerification  Op = "PollVerification"
	OpVerifyDuo         Op = "VerifyDuo"
	OpAuthenticateKba   Op = "AuthenticateKba"
	OpVerifyOkta        Op = "VerifyOkta"
	OpAuthenticateToken Op = "AuthenticateToken"
)

// Default facts of the fake tenant.
const (
	// DefaultIdentityID is the identity that owns the fake's credentials.
	DefaultIdentityID = "2c9180835d2e5168015d32f8fakefake"
	// DefaultConfigurationAPI is what ConfigurationAPI reports.
	DefaultConfigurationAPI = "v3"
)

// DefaultQuestions are the KBA questions of a new Fake: the ids and texts of the emulator's
// first four questions.
func DefaultQuestions() []sailpoint.KbaQuestion {
	return []sailpoint.KbaQuestion{
		{ID: "173421", Text: "What was the make and model of your first car?"},
		{ID: "173422", Text: "In what city were you born?"},
		{ID: "173423", Text: "What was the name of your first pet?"},
		{ID: "173424", Text: "What is your mother's maiden name?"},
	}
}

// ErrDefault is returned by a function field to let the default behaviour answer the call: a
// field can then add latency, side effects or a fault for some calls only.
var ErrDefault = errors.New("sailpointfake: use the default behaviour")

// Call is one entry of the call log.
type Call struct {
	Op Op
	// Method is the MFA method of DeleteConfig and TestConfig calls, else "".
	Method sailpoint.Method
	// Items is the number of answers of SetKbaAnswers and AuthenticateKba calls.
	Items int
	Time  time.Time
	// Err is the error the call returned, nil on success.
	Err error
}

// Fake implements sailpoint.API. The zero value is not usable: use New. A non-nil function
// field replaces the default behaviour of its method, unless it returns ErrDefault (the call
// is still logged, and an injected fault still comes first). Fields and state are guarded by the fake's mutex, which
// is not held while a function field runs.
type Fake struct {
	TokenFunc             func(ctx context.Context) (sailpoint.TokenInfo, error)
	GetOktaConfigFunc     func(ctx context.Context) (*sailpoint.MfaOktaConfig, error)
	SetOktaConfigFunc     func(ctx context.Context, cfg sailpoint.MfaOktaConfig) (*sailpoint.MfaOktaConfig, error)
	GetDuoConfigFunc      func(ctx context.Context) (*sailpoint.MfaDuoConfig, error)
	SetDuoConfigFunc      func(ctx context.Context, cfg sailpoint.MfaDuoConfig) (*sailpoint.MfaDuoConfig, error)
	DeleteConfigFunc      func(ctx context.Context, method sailpoint.Method) (*sailpoint.MfaConfig, error)
	TestConfigFunc        func(ctx context.Context, method sailpoint.Method) (*sailpoint.MfaConfigTestResponse, error)
	GetKbaConfigFunc      func(ctx context.Context, allLanguages bool) ([]sailpoint.KbaQuestion, error)
	SetKbaAnswersFunc     func(ctx context.Context, answers []sailpoint.KbaAnswerRequestItem) ([]sailpoint.KbaAnswerResponseItem, error)
	SendTokenFunc         func(ctx context.Context, req sailpoint.SendTokenRequest) (*sailpoint.SendTokenResponse, error)
	PollVerificationFunc  func(ctx context.Context, method sailpoint.Method, req sailpoint.VerificationPollRequest) (*sailpoint.VerificationResponse, error)
	VerifyDuoFunc         func(ctx context.Context, req sailpoint.DuoVerificationRequest) (*sailpoint.VerificationResponse, error)
	AuthenticateKbaFunc   func(ctx context.Context, answers []sailpoint.KbaAnswerRequestItem) (*sailpoint.KbaAuthResponse, error)
	VerifyOktaFunc        func(ctx context.Context, req sailpoint.OktaVerificationRequest, forwardedFor string) (*sailpoint.VerificationResponse, error)
	AuthenticateTokenFunc func(ctx context.Context, req sailpoint.TokenAuthRequest) (*sailpoint.TokenAuthResponse, error)
	ConfigurationAPIFunc  func() string

	mu        sync.Mutex
	calls     []Call
	faults    map[Op]*fault
	okta      *sailpoint.MfaOktaConfig
	duo       *sailpoint.MfaDuoConfig
	questions []sailpoint.KbaQuestion
	// answers are the stored answers by question id; never logged nor returned.
	answers    map[string]string
	identityID string
	now        func() time.Time
}

var _ sailpoint.API = (*Fake)(nil)

// fault is an injected error; remaining < 0 means for every call.
type fault struct {
	err       error
	remaining int
}

// New returns a fake of an empty, healthy tenant with DefaultQuestions and no configuration.
func New() *Fake {
	return &Fake{
		faults:     map[Op]*fault{},
		questions:  DefaultQuestions(),
		answers:    map[string]string{},
		identityID: DefaultIdentityID,
		now:        time.Now,
	}
}

// SetIdentityID sets the identity that Token reports.
func (f *Fake) SetIdentityID(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.identityID = id
}

// SetQuestions replaces the tenant's KBA questions.
func (f *Fake) SetQuestions(qs []sailpoint.KbaQuestion) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.questions = slices.Clone(qs)
}

// Fail makes every later call of op return err, until Clear.
func (f *Fake) Fail(op Op, err error) { f.FailNext(op, -1, err) }

// FailNext makes the next n calls of op return err (n < 0: every call until Clear).
func (f *Fake) FailNext(op Op, n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = &fault{err: err, remaining: n}
}

// Clear removes the fault injected for op.
func (f *Fake) Clear(op Op) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.faults, op)
}

// ClearAll removes every injected fault.
func (f *Fake) ClearAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.faults)
}

// Calls returns the call log.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Ops returns the operation names of the call log, in order.
func (f *Fake) Ops() []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	ops := make([]Op, len(f.calls))
	for i, c := range f.calls {
		ops[i] = c.Op
	}
	return ops
}

// Count returns how many calls of op were made.
func (f *Fake) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Times returns when the calls of op were made, in order.
func (f *Fake) Times(op Op) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Time
	for _, c := range f.calls {
		if c.Op == op {
			out = append(out, c.Time)
		}
	}
	return out
}

// ResetCalls empties the call log.
func (f *Fake) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// OktaConfig returns the stored Okta configuration (unmasked), or nil.
func (f *Fake) OktaConfig() *sailpoint.MfaOktaConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.okta == nil {
		return nil
	}
	c := *f.okta
	return &c
}

// StoreOktaConfig stores an Okta configuration as if it had been PUT, without a call.
func (f *Fake) StoreOktaConfig(c *sailpoint.MfaOktaConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.okta = c
}

// AnswerIDs returns the ids of the questions that have a stored answer, sorted.
func (f *Fake) AnswerIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.answers))
	for id := range f.answers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// begin logs a call and returns the injected fault for op, if one is due.
func (f *Fake) begin(c Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.Time = f.now()
	if flt := f.faults[c.Op]; flt != nil {
		c.Err = flt.err
		if flt.remaining > 0 {
			flt.remaining--
			if flt.remaining == 0 {
				delete(f.faults, c.Op)
			}
		}
	}
	f.calls = append(f.calls, c)
	return c.Err
}

// end records err on the last logged call of op, for calls answered by a function field.
func (f *Fake) end(op Op, err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i].Op == op {
			f.calls[i].Err = err
			return
		}
	}
}

// call runs one operation: log it, return an injected fault, else the function field fn when
// set, else def under the fake's lock.
func call[T any](f *Fake, c Call, fn func() (T, error), def func() (T, error)) (T, error) {
	var zero T
	if err := f.begin(c); err != nil {
		return zero, err
	}
	if fn != nil {
		v, err := fn()
		if !errors.Is(err, ErrDefault) {
			f.end(c.Op, err)
			return v, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return def()
}

// field reads a function field under the lock.
func field[F any](f *Fake, p *F) F {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *p
}

// bind returns nil when fn is nil, else a closure calling it with args.
func bind[F any, T any](fn F, isNil bool, run func(F) (T, error)) func() (T, error) {
	if isNil {
		return nil
	}
	return func() (T, error) { return run(fn) }
}

// Token reports the fake identity and a token valid for an hour.
func (f *Fake) Token(ctx context.Context) (sailpoint.TokenInfo, error) {
	fn := field(f, &f.TokenFunc)
	return call(f, Call{Op: OpToken}, bind(fn, fn == nil, func(fn func(context.Context) (sailpoint.TokenInfo, error)) (sailpoint.TokenInfo, error) {
		return fn(ctx)
	}), func() (sailpoint.TokenInfo, error) {
		return sailpoint.TokenInfo{IdentityID: f.identityID, ExpiresAt: f.now().Add(time.Hour), Scopes: []string{"sp:scopes:all"}}, nil
	})
}

// ConfigurationAPI reports the API version of the configuration paths: "v3" by default.
func (f *Fake) ConfigurationAPI() string {
	if fn := field(f, &f.ConfigurationAPIFunc); fn != nil {
		return fn()
	}
	return DefaultConfigurationAPI
}

// GetOktaConfig returns the stored configuration, access key masked; an empty disabled one
// when none was stored.
func (f *Fake) GetOktaConfig(ctx context.Context) (*sailpoint.MfaOktaConfig, error) {
	fn := field(f, &f.GetOktaConfigFunc)
	return call(f, Call{Op: OpGetOktaConfig}, bind(fn, fn == nil, func(fn func(context.Context) (*sailpoint.MfaOktaConfig, error)) (*sailpoint.MfaOktaConfig, error) {
		return fn(ctx)
	}), func() (*sailpoint.MfaOktaConfig, error) {
		return maskedOkta(f.okta), nil
	})
}

// SetOktaConfig stores cfg and returns it masked.
func (f *Fake) SetOktaConfig(ctx context.Context, cfg sailpoint.MfaOktaConfig) (*sailpoint.MfaOktaConfig, error) {
	fn := field(f, &f.SetOktaConfigFunc)
	return call(f, Call{Op: OpSetOktaConfig}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.MfaOktaConfig) (*sailpoint.MfaOktaConfig, error)) (*sailpoint.MfaOktaConfig, error) {
		return fn(ctx, cfg)
	}), func() (*sailpoint.MfaOktaConfig, error) {
		cfg.MfaMethod = string(sailpoint.MethodOktaVerify)
		f.okta = &cfg
		return maskedOkta(f.okta), nil
	})
}

// GetDuoConfig returns the stored configuration, access key and skey masked.
func (f *Fake) GetDuoConfig(ctx context.Context) (*sailpoint.MfaDuoConfig, error) {
	fn := field(f, &f.GetDuoConfigFunc)
	return call(f, Call{Op: OpGetDuoConfig}, bind(fn, fn == nil, func(fn func(context.Context) (*sailpoint.MfaDuoConfig, error)) (*sailpoint.MfaDuoConfig, error) {
		return fn(ctx)
	}), func() (*sailpoint.MfaDuoConfig, error) {
		return maskedDuo(f.duo), nil
	})
}

// SetDuoConfig stores cfg and returns it masked.
func (f *Fake) SetDuoConfig(ctx context.Context, cfg sailpoint.MfaDuoConfig) (*sailpoint.MfaDuoConfig, error) {
	fn := field(f, &f.SetDuoConfigFunc)
	return call(f, Call{Op: OpSetDuoConfig}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.MfaDuoConfig) (*sailpoint.MfaDuoConfig, error)) (*sailpoint.MfaDuoConfig, error) {
		return fn(ctx, cfg)
	}), func() (*sailpoint.MfaDuoConfig, error) {
		cfg.MfaMethod = string(sailpoint.MethodDuoWeb)
		props := make(map[string]any, len(cfg.ConfigProperties))
		for k, v := range cfg.ConfigProperties {
			props[k] = v
		}
		cfg.ConfigProperties = props
		f.duo = &cfg
		return maskedDuo(f.duo), nil
	})
}

// DeleteConfig removes the stored configuration of method and returns it masked.
func (f *Fake) DeleteConfig(ctx context.Context, method sailpoint.Method) (*sailpoint.MfaConfig, error) {
	fn := field(f, &f.DeleteConfigFunc)
	return call(f, Call{Op: OpDeleteConfig, Method: method}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.Method) (*sailpoint.MfaConfig, error)) (*sailpoint.MfaConfig, error) {
		return fn(ctx, method)
	}), func() (*sailpoint.MfaConfig, error) {
		out := &sailpoint.MfaConfig{MfaOktaConfig: sailpoint.MfaOktaConfig{MfaMethod: string(method)}}
		switch method {
		case sailpoint.MethodOktaVerify:
			if f.okta != nil {
				out.MfaOktaConfig = *maskedOkta(f.okta)
			}
			f.okta = nil
		case sailpoint.MethodDuoWeb:
			if f.duo != nil {
				d := maskedDuo(f.duo)
				out.MfaOktaConfig = sailpoint.MfaOktaConfig{MfaMethod: d.MfaMethod, Enabled: d.Enabled, Host: d.Host, AccessKey: d.AccessKey, IdentityAttribute: d.IdentityAttribute}
				out.ConfigProperties = d.ConfigProperties
			}
			f.duo = nil
		}
		return out, nil
	})
}

// TestConfig succeeds for a stored, enabled configuration of method, and fails otherwise.
func (f *Fake) TestConfig(ctx context.Context, method sailpoint.Method) (*sailpoint.MfaConfigTestResponse, error) {
	fn := field(f, &f.TestConfigFunc)
	return call(f, Call{Op: OpTestConfig, Method: method}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.Method) (*sailpoint.MfaConfigTestResponse, error)) (*sailpoint.MfaConfigTestResponse, error) {
		return fn(ctx, method)
	}), func() (*sailpoint.MfaConfigTestResponse, error) {
		configured := (method == sailpoint.MethodOktaVerify && f.okta != nil && f.okta.Enabled) ||
			(method == sailpoint.MethodDuoWeb && f.duo != nil && f.duo.Enabled)
		if !configured {
			return &sailpoint.MfaConfigTestResponse{State: sailpoint.TestStateFailed, Error: "The " + string(method) + " configuration is missing or disabled"}, nil
		}
		return &sailpoint.MfaConfigTestResponse{State: sailpoint.TestStateSuccess}, nil
	})
}

// GetKbaConfig lists the questions, hasAnswer set for those with a stored answer.
func (f *Fake) GetKbaConfig(ctx context.Context, allLanguages bool) ([]sailpoint.KbaQuestion, error) {
	fn := field(f, &f.GetKbaConfigFunc)
	return call(f, Call{Op: OpGetKbaConfig}, bind(fn, fn == nil, func(fn func(context.Context, bool) ([]sailpoint.KbaQuestion, error)) ([]sailpoint.KbaQuestion, error) {
		return fn(ctx, allLanguages)
	}), func() ([]sailpoint.KbaQuestion, error) {
		out := slices.Clone(f.questions)
		for i := range out {
			if _, ok := f.answers[out[i].ID]; ok {
				out[i].HasAnswer, out[i].NumAnswers = true, 1
			}
		}
		return out, nil
	})
}

// SetKbaAnswers replaces the stored answer set (an empty list removes it) and returns every
// question with hasAnswer. An unknown question id is a 400, like SailPoint's.
func (f *Fake) SetKbaAnswers(ctx context.Context, answers []sailpoint.KbaAnswerRequestItem) ([]sailpoint.KbaAnswerResponseItem, error) {
	fn := field(f, &f.SetKbaAnswersFunc)
	return call(f, Call{Op: OpSetKbaAnswers, Items: len(answers)}, bind(fn, fn == nil, func(fn func(context.Context, []sailpoint.KbaAnswerRequestItem) ([]sailpoint.KbaAnswerResponseItem, error)) ([]sailpoint.KbaAnswerResponseItem, error) {
		return fn(ctx, answers)
	}), func() ([]sailpoint.KbaAnswerResponseItem, error) {
		stored := map[string]string{}
		for _, a := range answers {
			if !slices.ContainsFunc(f.questions, func(q sailpoint.KbaQuestion) bool { return q.ID == a.ID }) {
				return nil, HTTPError(http.StatusBadRequest, "set kba answers")
			}
			stored[a.ID] = a.Answer
		}
		f.answers = stored
		out := make([]sailpoint.KbaAnswerResponseItem, 0, len(f.questions))
		for _, q := range f.questions {
			_, has := stored[q.ID]
			out = append(out, sailpoint.KbaAnswerResponseItem{ID: q.ID, Question: q.Text, HasAnswer: has})
		}
		return out, nil
	})
}

// AuthenticateKba answers SUCCESS when every given answer equals the stored one.
func (f *Fake) AuthenticateKba(ctx context.Context, answers []sailpoint.KbaAnswerRequestItem) (*sailpoint.KbaAuthResponse, error) {
	fn := field(f, &f.AuthenticateKbaFunc)
	return call(f, Call{Op: OpAuthenticateKba, Items: len(answers)}, bind(fn, fn == nil, func(fn func(context.Context, []sailpoint.KbaAnswerRequestItem) (*sailpoint.KbaAuthResponse, error)) (*sailpoint.KbaAuthResponse, error) {
		return fn(ctx, answers)
	}), func() (*sailpoint.KbaAuthResponse, error) {
		if len(answers) == 0 || len(f.answers) == 0 {
			return &sailpoint.KbaAuthResponse{Status: sailpoint.VerificationNotEnoughData}, nil
		}
		res := &sailpoint.KbaAuthResponse{Status: sailpoint.VerificationSuccess}
		for _, a := range answers {
			ok := f.answers[a.ID] == a.Answer
			res.KbaAuthResponseItems = append(res.KbaAuthResponseItems, sailpoint.KbaAuthResponseItem{QuestionID: a.ID, IsVerified: &ok})
			if !ok {
				res.Status = sailpoint.VerificationFailed
			}
		}
		return res, nil
	})
}

// SendToken reports the token sent.
func (f *Fake) SendToken(ctx context.Context, req sailpoint.SendTokenRequest) (*sailpoint.SendTokenResponse, error) {
	fn := field(f, &f.SendTokenFunc)
	return call(f, Call{Op: OpSendToken}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.SendTokenRequest) (*sailpoint.SendTokenResponse, error)) (*sailpoint.SendTokenResponse, error) {
		return fn(ctx, req)
	}), func() (*sailpoint.SendTokenResponse, error) {
		return &sailpoint.SendTokenResponse{RequestID: "fake-request", Status: sailpoint.VerificationSuccess}, nil
	})
}

// PollVerification reports the verification successful.
func (f *Fake) PollVerification(ctx context.Context, method sailpoint.Method, req sailpoint.VerificationPollRequest) (*sailpoint.VerificationResponse, error) {
	fn := field(f, &f.PollVerificationFunc)
	return call(f, Call{Op: OpPollVerification, Method: method}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.Method, sailpoint.VerificationPollRequest) (*sailpoint.VerificationResponse, error)) (*sailpoint.VerificationResponse, error) {
		return fn(ctx, method, req)
	}), func() (*sailpoint.VerificationResponse, error) {
		return &sailpoint.VerificationResponse{RequestID: req.RequestID, Status: sailpoint.VerificationSuccess}, nil
	})
}

// VerifyDuo reports the verification successful.
func (f *Fake) VerifyDuo(ctx context.Context, req sailpoint.DuoVerificationRequest) (*sailpoint.VerificationResponse, error) {
	fn := field(f, &f.VerifyDuoFunc)
	return call(f, Call{Op: OpVerifyDuo}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.DuoVerificationRequest) (*sailpoint.VerificationResponse, error)) (*sailpoint.VerificationResponse, error) {
		return fn(ctx, req)
	}), func() (*sailpoint.VerificationResponse, error) {
		return &sailpoint.VerificationResponse{RequestID: "fake-request", Status: sailpoint.VerificationSuccess}, nil
	})
}

// VerifyOkta reports the push as pending.
func (f *Fake) VerifyOkta(ctx context.Context, req sailpoint.OktaVerificationRequest, forwardedFor string) (*sailpoint.VerificationResponse, error) {
	fn := field(f, &f.VerifyOktaFunc)
	return call(f, Call{Op: OpVerifyOkta}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.OktaVerificationRequest, string) (*sailpoint.VerificationResponse, error)) (*sailpoint.VerificationResponse, error) {
		return fn(ctx, req, forwardedFor)
	}), func() (*sailpoint.VerificationResponse, error) {
		return &sailpoint.VerificationResponse{RequestID: "fake-request", Status: sailpoint.VerificationPending}, nil
	})
}

// AuthenticateToken reports the token accepted.
func (f *Fake) AuthenticateToken(ctx context.Context, req sailpoint.TokenAuthRequest) (*sailpoint.TokenAuthResponse, error) {
	fn := field(f, &f.AuthenticateTokenFunc)
	return call(f, Call{Op: OpAuthenticateToken}, bind(fn, fn == nil, func(fn func(context.Context, sailpoint.TokenAuthRequest) (*sailpoint.TokenAuthResponse, error)) (*sailpoint.TokenAuthResponse, error) {
		return fn(ctx, req)
	}), func() (*sailpoint.TokenAuthResponse, error) {
		return &sailpoint.TokenAuthResponse{Status: sailpoint.VerificationSuccess}, nil
	})
}

// HTTPError is the client's error for a non-2xx answer to operation (e.g. "get okta-verify
// config"): it matches the sentinel of its status code (sailpoint.ErrBadRequest for 400,
// ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrServer for 5xx).
func HTTPError(status int, operation string) *sailpoint.APIError {
	return &sailpoint.APIError{
		StatusCode: status,
		DetailCode: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		TrackingID: "fake-tracking-id",
		Messages:   []string{"The fake tenant answered " + http.StatusText(status)},
		Operation:  operation,
	}
}

// HTTPErrorWithMessage is HTTPError whose SailPoint message is text (e.g. to check that a
// remote text is redacted before it reaches status).
func HTTPErrorWithMessage(status int, operation, text string) *sailpoint.APIError {
	e := HTTPError(status, operation)
	e.Messages = []string{text}
	return e
}

// RateLimited is the client's error for a 429 with Retry-After.
func RateLimited(operation string, retryAfter time.Duration) *sailpoint.APIError {
	e := HTTPError(http.StatusTooManyRequests, operation)
	e.RetryAfter = retryAfter
	return e
}

// Timeout is the client's error for a call whose attempt timed out: it matches
// sailpoint.ErrUnreachable and context.DeadlineExceeded.
func Timeout(operation string) *sailpoint.TransportError {
	return &sailpoint.TransportError{Operation: operation, Err: context.DeadlineExceeded}
}

// mask hides a secret as SailPoint does: first and last character around "******".
func mask(s string) string {
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) <= 2 {
		return "******"
	}
	r := []rune(s)
	return string(r[0]) + "******" + string(r[len(r)-1])
}

func maskedOkta(c *sailpoint.MfaOktaConfig) *sailpoint.MfaOktaConfig {
	if c == nil {
		return &sailpoint.MfaOktaConfig{MfaMethod: string(sailpoint.MethodOktaVerify)}
	}
	out := *c
	out.AccessKey = mask(c.AccessKey)
	return &out
}

func maskedDuo(c *sailpoint.MfaDuoConfig) *sailpoint.MfaDuoConfig {
	if c == nil {
		return &sailpoint.MfaDuoConfig{MfaMethod: string(sailpoint.MethodDuoWeb)}
	}
	out := *c
	out.AccessKey = mask(c.AccessKey)
	out.ConfigProperties = make(map[string]any, len(c.ConfigProperties))
	for k, v := range c.ConfigProperties {
		if s, ok := v.(string); ok && k == "skey" {
			v = mask(s)
		}
		out.ConfigProperties[k] = v
	}
	return &out
}
