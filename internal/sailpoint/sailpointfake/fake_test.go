package sailpointfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

func TestAnEmptyTenantStoresWhatIsPutAndReturnsItMasked(t *testing.T) {
	ctx := context.Background()
	f := New()
	if _, err := f.SetOktaConfig(ctx, sailpoint.MfaOktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: "secret-access-key"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.GetOktaConfig(ctx)
	if err != nil || got.AccessKey != "s******y" || got.Host != "acme.okta.com" || !got.Enabled {
		t.Fatalf("GetOktaConfig = %+v, %v", got, err)
	}
	if res, _ := f.TestConfig(ctx, sailpoint.MethodOktaVerify); res.State != sailpoint.TestStateSuccess {
		t.Errorf("test of a stored config = %+v", res)
	}
	if res, _ := f.TestConfig(ctx, sailpoint.MethodDuoWeb); res.State != sailpoint.TestStateFailed {
		t.Errorf("test of a missing config = %+v", res)
	}
	if _, err := f.DeleteConfig(ctx, sailpoint.MethodOktaVerify); err != nil || f.OktaConfig() != nil {
		t.Errorf("DeleteConfig left %+v, %v", f.OktaConfig(), err)
	}
}

func TestKbaAnswersAreStoredReportedAndAuthenticated(t *testing.T) {
	ctx := context.Background()
	f := New()
	items, err := f.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "first-car"}})
	if err != nil {
		t.Fatal(err)
	}
	answered := map[string]bool{}
	for _, it := range items {
		answered[it.ID] = it.HasAnswer
	}
	if !answered["173421"] || answered["173422"] {
		t.Errorf("answers POST reported %+v", items)
	}
	qs, _ := f.GetKbaConfig(ctx, false)
	if !qs[0].HasAnswer || qs[1].HasAnswer {
		t.Errorf("questions = %+v", qs)
	}
	if res, _ := f.AuthenticateKba(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "first-car"}}); res.Status != sailpoint.VerificationSuccess {
		t.Errorf("authenticate with the stored answer = %s", res.Status)
	}
	if res, _ := f.AuthenticateKba(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "173421", Answer: "wrong"}}); res.Status != sailpoint.VerificationFailed {
		t.Errorf("authenticate with a wrong answer = %s", res.Status)
	}
	if _, err := f.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{{ID: "nope", Answer: "xxxx"}}); !errors.Is(err, sailpoint.ErrBadRequest) {
		t.Errorf("unknown question: %v", err)
	}
}

func TestInjectedErrorsAreTheClientsTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{HTTPError(http.StatusBadRequest, "op"), sailpoint.ErrBadRequest},
		{HTTPError(http.StatusUnauthorized, "op"), sailpoint.ErrUnauthorized},
		{HTTPError(http.StatusForbidden, "op"), sailpoint.ErrForbidden},
		{HTTPError(http.StatusNotFound, "op"), sailpoint.ErrNotFound},
		{RateLimited("op", 2*time.Second), sailpoint.ErrRateLimited},
		{HTTPError(http.StatusBadGateway, "op"), sailpoint.ErrServer},
		{Timeout("op"), sailpoint.ErrUnreachable},
		{Timeout("op"), context.DeadlineExceeded},
	} {
		t.Run(fmt.Sprint(tc.err), func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("%v is not %v", tc.err, tc.want)
			}
		})
	}
	if d, ok := sailpoint.RetryAfter(RateLimited("op", 2*time.Second)); !ok || d != 2*time.Second {
		t.Errorf("RetryAfter = %s, %t", d, ok)
	}
}

func TestFaultsApplyToTheNextCallsOnlyAndAreLoggedWithoutArguments(t *testing.T) {
	ctx := context.Background()
	f := New()
	f.FailNext(OpSetOktaConfig, 2, HTTPError(http.StatusServiceUnavailable, "put okta-verify config"))
	for i, wantErr := range []bool{true, true, false} {
		if _, err := f.SetOktaConfig(ctx, sailpoint.MfaOktaConfig{AccessKey: "do-not-log-me"}); (err != nil) != wantErr {
			t.Errorf("call %d: err = %v", i+1, err)
		}
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[0].Err == nil || calls[2].Err != nil || f.Count(OpSetOktaConfig) != 3 {
		t.Errorf("calls = %+v", calls)
	}
	if s := fmt.Sprintf("%+v", calls); strings.Contains(s, "do-not-log-me") {
		t.Errorf("the call log holds a secret: %s", s)
	}
	f.Fail(OpToken, Timeout("get token"))
	if _, err := f.Token(ctx); !errors.Is(err, sailpoint.ErrUnreachable) {
		t.Errorf("Token: %v", err)
	}
	f.ClearAll()
	if _, err := f.Token(ctx); err != nil {
		t.Errorf("Token after ClearAll: %v", err)
	}
}

func TestAFunctionFieldAnswersOrFallsThroughToTheDefault(t *testing.T) {
	ctx := context.Background()
	f := New()
	calls := 0
	f.TestConfigFunc = func(context.Context, sailpoint.Method) (*sailpoint.MfaConfigTestResponse, error) {
		calls++
		if calls == 1 {
			return &sailpoint.MfaConfigTestResponse{State: sailpoint.TestStateFailed, Error: "first"}, nil
		}
		return nil, ErrDefault
	}
	if res, _ := f.TestConfig(ctx, sailpoint.MethodOktaVerify); res.Error != "first" {
		t.Errorf("first call = %+v", res)
	}
	if res, err := f.TestConfig(ctx, sailpoint.MethodOktaVerify); err != nil || res.State != sailpoint.TestStateFailed || res.Error == "first" {
		t.Errorf("second call = %+v, %v", res, err)
	}
	if f.ConfigurationAPI() != "v3" {
		t.Errorf("ConfigurationAPI = %q", f.ConfigurationAPI())
	}
}
