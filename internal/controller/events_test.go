package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

func TestAnnounceTransitions(t *testing.T) {
	c := func(typ string, status metav1.ConditionStatus, reason, message string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message}
	}
	syncedTrue := c(mfav1.TypeSynced, metav1.ConditionTrue, mfav1.ReasonSynced, "in sync")
	testedTrue := c(mfav1.TypeTested, metav1.ConditionTrue, mfav1.ReasonTestSucceeded, "test ok")
	secretMissing := c(mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonSecretNotFound, "Secret ns/s does not exist")
	testFailed := c(mfav1.TypeTested, metav1.ConditionFalse, mfav1.ReasonTestFailed, "Invalid access key.")

	tests := []struct {
		name          string
		before, after []metav1.Condition
		want          []string
	}{
		{"a first failure makes one Warning event", nil, []metav1.Condition{secretMissing},
			[]string{"Warning SecretNotFound Secret ns/s does not exist"}},
		{"the same failure again makes no event", []metav1.Condition{secretMissing}, []metav1.Condition{secretMissing}, nil},
		{"the same failure with another message makes no event",
			[]metav1.Condition{secretMissing}, []metav1.Condition{c(mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonSecretNotFound, "Secret ns/s has no key")}, nil},
		{"another reason with the same status makes one event",
			[]metav1.Condition{secretMissing}, []metav1.Condition{c(mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict, "ns/other")},
			[]string{"Warning Conflict ns/other"}},
		{"Synced becoming True is left to the Applied and DriftCorrected events",
			[]metav1.Condition{secretMissing}, []metav1.Condition{syncedTrue}, nil},
		{"a succeeded test makes one Normal event", []metav1.Condition{syncedTrue}, []metav1.Condition{syncedTrue, testedTrue},
			[]string{"Normal TestSucceeded test ok"}},
		{"a failed test after a success makes one Warning event", []metav1.Condition{syncedTrue, testedTrue}, []metav1.Condition{syncedTrue, testFailed},
			[]string{"Warning TestFailed Invalid access key."}},
		{"two changes make two events, in the order of the types",
			[]metav1.Condition{syncedTrue, testedTrue}, []metav1.Condition{secretMissing, testFailed},
			[]string{"Warning SecretNotFound Secret ns/s does not exist", "Warning TestFailed Invalid access key."}},
		{"a type that is not announced makes no event", nil,
			[]metav1.Condition{c(mfav1.TypeStalled, metav1.ConditionTrue, mfav1.ReasonConflict, "x"), c(mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonConflict, "x")}, nil},
		{"a condition that went away makes no event", []metav1.Condition{testFailed}, nil, nil},
		{"an Unknown condition makes a Normal event", nil,
			[]metav1.Condition{c(mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended, "suspended")},
			[]string{"Normal Suspended suspended"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := events.NewFakeRecorder(10)
			announceTransitions(rec, &mfav1.MfaProviderConfig{}, tt.before, tt.after, mfav1.TypeSynced, mfav1.TypeTested)
			close(rec.Events)
			var got []string
			for e := range rec.Events {
				got = append(got, e)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestAnnounceTransitionsDoesNotFormatTheMessage(t *testing.T) {
	rec := events.NewFakeRecorder(1)
	after := []metav1.Condition{{Type: mfav1.TypeTested, Status: metav1.ConditionFalse, Reason: mfav1.ReasonTestFailed, Message: "100% failed: %s"}}
	announceTransitions(rec, &mfav1.MfaProviderConfig{}, nil, after, mfav1.TypeTested)
	if got, want := <-rec.Events, "Warning TestFailed 100% failed: %s"; got != want {
		t.Errorf("event = %q, want %q", got, want)
	}
}
