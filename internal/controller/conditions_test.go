package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

func TestReadyCondition(t *testing.T) {
	synced := trueCondition(mfav1.ReasonSynced, "in sync")
	tested := trueCondition(mfav1.ReasonTestSucceeded, "test ok")
	tests := []struct {
		name string
		o    outcome
		want condition
	}{
		{
			"Ready is True when Synced is True and there is no check",
			outcome{Synced: synced},
			trueCondition(mfav1.ReasonAvailable, "ready"),
		},
		{
			"Ready is True when Synced and the check are True",
			outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: tested},
			trueCondition(mfav1.ReasonAvailable, "ready"),
		},
		{
			"Ready is True when Synced is True and the check is not run because the method is disabled",
			outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: unknownCondition(mfav1.ReasonDisabled, "disabled")},
			trueCondition(mfav1.ReasonAvailable, "ready"),
		},
		{
			"Ready repeats a failed check",
			outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: falseCondition(mfav1.ReasonTestFailed, "Invalid access key.")},
			falseCondition(mfav1.ReasonTestFailed, "Invalid access key."),
		},
		{
			"Ready repeats a pending check",
			outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: unknownCondition(mfav1.ReasonTestPending, "not yet")},
			unknownCondition(mfav1.ReasonTestPending, "not yet"),
		},
		{
			"Ready is False with the reason of a check whose call failed",
			outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: unknownCondition(mfav1.ReasonRateLimited, "429")},
			falseCondition(mfav1.ReasonRateLimited, "429"),
		},
		{
			"Ready repeats Synced when it is False, whatever the check says",
			outcome{Synced: falseCondition(mfav1.ReasonSecretNotFound, "no Secret"), CheckType: mfav1.TypeTested, Check: tested},
			falseCondition(mfav1.ReasonSecretNotFound, "no Secret"),
		},
		{
			"Ready repeats Synced when it is Unknown",
			outcome{Synced: unknownCondition(mfav1.ReasonSuspended, "suspended")},
			unknownCondition(mfav1.ReasonSuspended, "suspended"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readyCondition(tt.o, "ready"); got != tt.want {
				t.Errorf("readyCondition() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSetConditions(t *testing.T) {
	old := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	cond := func(typ string, status metav1.ConditionStatus, reason string, gen int64) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: "earlier", ObservedGeneration: gen, LastTransitionTime: old}
	}
	synced := trueCondition(mfav1.ReasonSynced, "in sync")
	tested := trueCondition(mfav1.ReasonTestSucceeded, "test ok")

	type want struct {
		typ    string
		status metav1.ConditionStatus
		reason string
	}
	tests := []struct {
		name   string
		before []metav1.Condition
		o      outcome
		want   []want
		absent []string
	}{
		{
			name: "a settled success writes Ready, Synced and Tested, and neither Reconciling nor Stalled",
			o:    outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: tested},
			want: []want{
				{mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable},
				{mfav1.TypeSynced, metav1.ConditionTrue, mfav1.ReasonSynced},
				{mfav1.TypeTested, metav1.ConditionTrue, mfav1.ReasonTestSucceeded},
			},
			absent: []string{mfav1.TypeReconciling, mfav1.TypeStalled, mfav1.TypeVerified},
		},
		{
			name: "a success removes an earlier Stalled and Reconciling",
			before: []metav1.Condition{
				cond(mfav1.TypeStalled, metav1.ConditionTrue, mfav1.ReasonSecretNotFound, 1),
				cond(mfav1.TypeReconciling, metav1.ConditionTrue, mfav1.ReasonRateLimited, 1),
			},
			o:      outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: tested},
			want:   []want{{mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable}},
			absent: []string{mfav1.TypeReconciling, mfav1.TypeStalled},
		},
		{
			name:   "an error only the user can fix is Stalled with Ready's reason, and removes Reconciling",
			before: []metav1.Condition{cond(mfav1.TypeReconciling, metav1.ConditionTrue, mfav1.ReasonProgressing, 1)},
			o:      outcome{Synced: falseCondition(mfav1.ReasonConflict, "other"), CheckType: mfav1.TypeTested, Check: tested, Progress: stalled},
			want: []want{
				{mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonConflict},
				{mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict},
				{mfav1.TypeStalled, metav1.ConditionTrue, mfav1.ReasonConflict},
			},
			absent: []string{mfav1.TypeReconciling},
		},
		{
			name:   "a transient error is Reconciling with Ready's reason, and removes Stalled",
			before: []metav1.Condition{cond(mfav1.TypeStalled, metav1.ConditionTrue, mfav1.ReasonSecretNotFound, 1)},
			o:      outcome{Synced: falseCondition(mfav1.ReasonRateLimited, "429"), CheckType: mfav1.TypeTested, Check: tested, Progress: reconciling},
			want: []want{
				{mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonRateLimited},
				{mfav1.TypeReconciling, metav1.ConditionTrue, mfav1.ReasonRateLimited},
			},
			absent: []string{mfav1.TypeStalled},
		},
		{
			name:   "a failed test makes Ready False with the test's reason while Synced stays True",
			o:      outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: falseCondition(mfav1.ReasonTestFailed, "Invalid access key."), Progress: stalled},
			want:   []want{{mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonTestFailed}, {mfav1.TypeSynced, metav1.ConditionTrue, mfav1.ReasonSynced}, {mfav1.TypeStalled, metav1.ConditionTrue, mfav1.ReasonTestFailed}},
			absent: []string{mfav1.TypeReconciling},
		},
		{
			name:   "an outcome without a check removes Tested and Verified",
			before: []metav1.Condition{cond(mfav1.TypeTested, metav1.ConditionTrue, mfav1.ReasonTestSucceeded, 1), cond(mfav1.TypeVerified, metav1.ConditionTrue, mfav1.ReasonVerificationSucceeded, 1)},
			o:      outcome{Synced: synced},
			want:   []want{{mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable}},
			absent: []string{mfav1.TypeTested, mfav1.TypeVerified},
		},
		{
			name:   "an outcome with Tested removes Verified",
			before: []metav1.Condition{cond(mfav1.TypeVerified, metav1.ConditionTrue, mfav1.ReasonVerificationSucceeded, 1)},
			o:      outcome{Synced: synced, CheckType: mfav1.TypeTested, Check: tested},
			want:   []want{{mfav1.TypeTested, metav1.ConditionTrue, mfav1.ReasonTestSucceeded}},
			absent: []string{mfav1.TypeVerified},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const gen = 3
			obj := &mfav1.MfaProviderConfig{}
			obj.Generation = gen
			obj.Status.Conditions = append([]metav1.Condition(nil), tt.before...)

			setConditions(obj, gen, tt.o, "ready")

			for _, w := range tt.want {
				c := meta.FindStatusCondition(obj.Status.Conditions, w.typ)
				if c == nil {
					t.Errorf("no %s condition", w.typ)
					continue
				}
				if c.Status != w.status || c.Reason != w.reason {
					t.Errorf("%s = %s/%s, want %s/%s", w.typ, c.Status, c.Reason, w.status, w.reason)
				}
			}
			for _, typ := range tt.absent {
				if c := meta.FindStatusCondition(obj.Status.Conditions, typ); c != nil {
					t.Errorf("condition %s is still there: %+v", typ, c)
				}
			}
			for _, c := range obj.Status.Conditions {
				if c.ObservedGeneration != gen {
					t.Errorf("condition %s has observedGeneration %d, want %d", c.Type, c.ObservedGeneration, gen)
				}
				if c.Reason == "" || c.LastTransitionTime.IsZero() {
					t.Errorf("condition %s lacks a reason or a transition time: %+v", c.Type, c)
				}
			}
			if obj.Status.ObservedGeneration != gen {
				t.Errorf("status.observedGeneration = %d, want %d", obj.Status.ObservedGeneration, gen)
			}
		})
	}
}

func TestSetConditionsKeepsTheTransitionTimeOfAnUnchangedStatus(t *testing.T) {
	old := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	obj := &mfav1.MfaProviderConfig{}
	obj.Status.Conditions = []metav1.Condition{
		{Type: mfav1.TypeSynced, Status: metav1.ConditionTrue, Reason: mfav1.ReasonSynced, ObservedGeneration: 1, LastTransitionTime: old},
		{Type: mfav1.TypeReady, Status: metav1.ConditionTrue, Reason: mfav1.ReasonAvailable, ObservedGeneration: 1, LastTransitionTime: old},
	}
	setConditions(obj, 2, outcome{
		Synced: trueCondition(mfav1.ReasonSynced, "in sync"), CheckType: mfav1.TypeTested,
		Check: falseCondition(mfav1.ReasonTestFailed, "Invalid access key."),
	}, "ready")

	if c := meta.FindStatusCondition(obj.Status.Conditions, mfav1.TypeSynced); !c.LastTransitionTime.Equal(&old) {
		t.Errorf("Synced stayed True but its lastTransitionTime changed to %v", c.LastTransitionTime)
	}
	if c := meta.FindStatusCondition(obj.Status.Conditions, mfav1.TypeReady); c.LastTransitionTime.Equal(&old) {
		t.Errorf("Ready became False but its lastTransitionTime did not change")
	}
}

func TestSetTenantReady(t *testing.T) {
	tenant := &mfav1.SailPointTenant{}
	tenant.Generation = 2
	setTenantReady(tenant, falseCondition(mfav1.ReasonInvalidCredentials, "refused"), stalled)
	if c := tenant.Status.GetCondition(mfav1.TypeStalled); c == nil || c.Status != metav1.ConditionTrue || c.Reason != mfav1.ReasonInvalidCredentials {
		t.Fatalf("Stalled = %+v, want True InvalidCredentials", c)
	}

	setTenantReady(tenant, trueCondition(mfav1.ReasonAuthenticated, "token"), settled)
	if !tenant.Status.IsReady(2) {
		t.Errorf("Ready = %+v, want True at generation 2", tenant.Status.GetCondition(mfav1.TypeReady))
	}
	for _, typ := range []string{mfav1.TypeStalled, mfav1.TypeReconciling} {
		if c := tenant.Status.GetCondition(typ); c != nil {
			t.Errorf("%s is still there: %+v", typ, c)
		}
	}
	if len(tenant.Status.Conditions) != 1 || tenant.Status.ObservedGeneration != 2 {
		t.Errorf("conditions = %+v, observedGeneration = %d", tenant.Status.Conditions, tenant.Status.ObservedGeneration)
	}
}

// failingReader is a client.Reader whose every call fails, like an API server that times out.
type failingReader struct{}

func (failingReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return errors.New("the server was unable to return a response in the time allotted")
}

func (failingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("the server was unable to return a response in the time allotted")
}

func TestTenantRetriesWhenItsSecretCannotBeRead(t *testing.T) {
	clients := NewTenantClients(nil)
	clients.secrets = secretReader{versions: readerVersions{failingReader{}}, direct: failingReader{}}
	r := &SailPointTenantReconciler{Clients: clients}
	tenant := &mfav1.SailPointTenant{}
	tenant.Namespace, tenant.Name = "ns", "acme"
	tenant.Spec.CredentialsSecretRef.Name = "acme-pat"
	expires := metav1.Now()
	tenant.Status.TokenExpiresAt = &expires

	ready, prog, _, err := r.authenticate(context.Background(), tenant)
	if err == nil {
		t.Fatal("authenticate() returned no error, so the controller would not retry")
	}
	if ready.Status != metav1.ConditionFalse || ready.Reason != mfav1.ReasonUnreachable || prog != reconciling {
		t.Errorf("Ready = %+v, progress %d; want False Unreachable, reconciling", ready, prog)
	}
	if tenant.Status.TokenExpiresAt != nil {
		t.Errorf("tokenExpiresAt = %v, want none without a client", tenant.Status.TokenExpiresAt)
	}
}
