package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The status of a managed object is computed from what a pass found, by commonStatus and the
// kind's nextStatus: these tests give them passes and read the status.

var passTime = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func providerWithStatus() *mfav1.MfaProviderConfig {
	p := &mfav1.MfaProviderConfig{}
	p.Generation = 3
	p.Spec.Method = mfav1.MfaMethodOktaVerify
	p.Status.AppliedGeneration = 2
	p.Status.AppliedSecretVersions = map[string]string{"okta/accessKey": "10"}
	p.Status.LastTest = &mfav1.TestResult{State: mfav1.TestStateSuccess, Time: metav1.NewTime(passTime.Add(-time.Hour))}
	return p
}

func TestProviderStatusFollowsThePass(t *testing.T) {
	redact := (secretValues{values: map[mfav1.SecretKeySelector][]byte{{Name: "okta", Key: "accessKey"}: []byte("s3cr3t-access-key")}}).redactor()
	requested := "2026-12-01T09:59:00Z"
	tests := []struct {
		name  string
		pass  pass
		check func(t *testing.T, st mfav1.MfaProviderConfigStatus)
	}{
		{
			name: "a pass without an apply or a test keeps what was applied and tested",
			pass: pass{outcome: outcome{Synced: trueCondition(mfav1.ReasonSynced, "in sync"), CheckType: mfav1.TypeTested,
				Check: trueCondition(mfav1.ReasonTestSucceeded, "ok")}},
			check: func(t *testing.T, st mfav1.MfaProviderConfigStatus) {
				if st.AppliedGeneration != 2 || st.LastAppliedTime != nil || !st.LastTest.Time.Equal(&metav1.Time{Time: passTime.Add(-time.Hour)}) {
					t.Errorf("status = %+v", st)
				}
			},
		},
		{
			name: "an apply records the generation, the Secrets' versions and the time",
			pass: pass{outcome: outcome{Synced: trueCondition(mfav1.ReasonSynced, "applied"), CheckType: mfav1.TypeTested,
				Check: pendingCheck(mfav1.TypeTested)},
				applied: &applyResult{SecretVersions: map[string]string{"okta/accessKey": "11"}}},
			check: func(t *testing.T, st mfav1.MfaProviderConfigStatus) {
				if st.AppliedGeneration != 3 || st.AppliedSecretVersions["okta/accessKey"] != "11" ||
					st.LastAppliedTime == nil || !st.LastAppliedTime.Time.Equal(passTime) {
					t.Errorf("status = %+v", st)
				}
				if c := st.GetCondition(mfav1.TypeTested); c.Reason != mfav1.ReasonTestPending {
					t.Errorf("Tested = %+v", c)
				}
			},
		},
		{
			name: "a failed test is recorded with SailPoint's error, secrets redacted, and is Stalled",
			pass: pass{outcome: outcome{Synced: trueCondition(mfav1.ReasonSynced, "in sync"), CheckType: mfav1.TypeTested,
				Check: falseCondition(mfav1.ReasonTestFailed, "Invalid access key s3cr3t-access-key"), Progress: stalled},
				checked: &checkResult{State: "FAILED", Message: "Invalid access key s3cr3t-access-key"}},
			check: func(t *testing.T, st mfav1.MfaProviderConfigStatus) {
				if st.LastTest.State != mfav1.TestStateFailed || st.LastTest.Message != "Invalid access key [redacted]" || !st.LastTest.Time.Time.Equal(passTime) {
					t.Errorf("lastTest = %+v", st.LastTest)
				}
				for _, typ := range []string{mfav1.TypeTested, mfav1.TypeReady, mfav1.TypeStalled} {
					if c := st.GetCondition(typ); c == nil || c.Message != "Invalid access key [redacted]" {
						t.Errorf("%s = %+v", typ, c)
					}
				}
			},
		},
		{
			name: "a handled requestedAt is echoed",
			pass: pass{outcome: outcome{Synced: unknownCondition(mfav1.ReasonSuspended, "suspended"), CheckType: mfav1.TypeTested,
				Check: trueCondition(mfav1.ReasonTestSucceeded, "ok")}, requestedAt: &requested},
			check: func(t *testing.T, st mfav1.MfaProviderConfigStatus) {
				if st.LastHandledReconcileAt != requested || st.GetCondition(mfav1.TypeReady).Reason != mfav1.ReasonSuspended {
					t.Errorf("status = %+v", st)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := providerWithStatus()
			p := tt.pass
			p.now, p.generation, p.redact = passTime, obj.Generation, redact
			p.commonStatus(obj, "ready")
			providerKind{}.nextStatus(obj, &p)
			if obj.Status.ObservedGeneration != 3 {
				t.Errorf("observedGeneration = %d", obj.Status.ObservedGeneration)
			}
			tt.check(t, obj.Status)
		})
	}
}

func TestKbaStatusFollowsThePass(t *testing.T) {
	applied := []mfav1.KbaQuestionStatus{{ID: "1", Text: "q1", HasAnswer: true}}
	observed := []mfav1.KbaQuestionStatus{{ID: "1", Text: "q1 (new text)", HasAnswer: true}}
	tests := []struct {
		name  string
		pass  pass
		check func(t *testing.T, st mfav1.MfaKbaAnswersStatus)
	}{
		{
			name: "an apply shows the questions as SailPoint stored them",
			pass: pass{observed: &observation{Questions: observed}, applied: &applyResult{
				SecretVersions: map[string]string{"kba/q1": "7"}, Questions: applied}},
			check: func(t *testing.T, st mfav1.MfaKbaAnswersStatus) {
				if st.Questions[0].Text != "q1" || st.AppliedSecretVersions["kba"] != "7" || st.AppliedGeneration != 5 {
					t.Errorf("status = %+v", st)
				}
			},
		},
		{
			name: "a question check without an apply shows the questions as they are now",
			pass: pass{observed: &observation{Questions: observed}},
			check: func(t *testing.T, st mfav1.MfaKbaAnswersStatus) {
				if st.Questions[0].Text != "q1 (new text)" || st.AppliedGeneration != 4 {
					t.Errorf("status = %+v", st)
				}
			},
		},
		{
			name: "a verification is recorded with SailPoint's status",
			pass: pass{checked: &checkResult{State: "LOCKOUT", Message: "Not verified: questions 1"}},
			check: func(t *testing.T, st mfav1.MfaKbaAnswersStatus) {
				if v := st.LastVerification; v == nil || v.Status != mfav1.VerificationStatusLockout || v.Message != "Not verified: questions 1" {
					t.Errorf("lastVerification = %+v", v)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &mfav1.MfaKbaAnswers{}
			obj.Generation = 5
			obj.Spec.Answers = []mfav1.KbaAnswer{{QuestionID: "1"}, {QuestionID: "2"}}
			obj.Status.AppliedGeneration = 4
			obj.Status.Questions = applied
			p := tt.pass
			p.now, p.generation, p.redact = passTime, obj.Generation, func(s string) string { return s }
			kbaKind{}.nextStatus(obj, &p)
			if obj.Status.AnswerCount != 2 {
				t.Errorf("answerCount = %d", obj.Status.AnswerCount)
			}
			tt.check(t, obj.Status)
		})
	}
}

func TestCheckFailuresGoOnTheCheckNotOnSynced(t *testing.T) {
	synced := trueCondition(mfav1.ReasonSynced, "applied")
	tests := []struct {
		name     string
		err      error
		status   metav1.ConditionStatus
		reason   string
		progress progress
	}{
		{"a 500 from the test is Unknown and retried", apiError(500), metav1.ConditionUnknown, mfav1.ReasonRemoteError, reconciling},
		{"a 429 from the test is Unknown and retried after Retry-After", apiError(429), metav1.ConditionUnknown, mfav1.ReasonRateLimited, reconciling},
		{"a 403 from the test is False and Stalled", apiError(403), metav1.ConditionFalse, mfav1.ReasonForbidden, stalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pass{outcome: outcome{Synced: synced, CheckType: mfav1.TypeTested}}
			p.checkFailure("test the okta-verify configuration", providerForbiddenHint, tt.err, time.Minute)
			if p.Synced != synced {
				t.Errorf("Synced = %+v, want it unchanged", p.Synced)
			}
			if p.Check.Status != tt.status || p.Check.Reason != tt.reason || p.Progress != tt.progress {
				t.Errorf("check = %+v, progress %d", p.Check, p.Progress)
			}
			if r := readyCondition(p.outcome, "ready"); r.Reason != tt.reason {
				t.Errorf("Ready = %+v, want the check's reason", r)
			}
		})
	}
}

func apiError(status int) error {
	return &sailpoint.APIError{StatusCode: status, Operation: "test okta-verify config"}
}

func TestARateLimitedFailureSaysWhenTheHoldEnds(t *testing.T) {
	until := time.Date(2026, 12, 1, 10, 0, 5, 0, time.UTC)
	began := &sailpoint.HoldError{Operation: "get okta-verify config", Reason: sailpoint.HoldRateLimited, Until: until,
		Left: 2 * time.Second, Err: &sailpoint.APIError{StatusCode: 429, Operation: "get okta-verify config", RetryAfter: 2 * time.Second}}
	held := &sailpoint.HoldError{Operation: "get duo-web config", Reason: sailpoint.HoldRateLimited, Until: until, Left: time.Second}
	for _, err := range []error{began, held} {
		p := (&pass{}).remoteFailure("read the configuration", providerForbiddenHint, err, time.Minute)
		if p.Synced.Reason != mfav1.ReasonRateLimited || p.Progress != reconciling || p.err != nil || p.result.RequeueAfter < time.Second {
			t.Errorf("%v: Synced %+v, progress %d, err %v, result %+v", err, p.Synced, p.Progress, p.err, p.result)
		}
		if !strings.Contains(p.Synced.Message, "held until 2026-12-01T10:00:05Z") {
			t.Errorf("message %q does not say when the hold ends", p.Synced.Message)
		}
	}
}
