package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// eventAction is the events.k8s.io "action" of the events this operator emits.
const eventAction = "Reconcile"

// announceTransitions emits one event for each of the given condition types whose reason or
// status changed between before and after: Warning when the condition became False or a
// call to SailPoint failed, Normal otherwise. Synced becoming True is left to the action events (Applied,
// DriftCorrected) so that one change makes one event, and a check that is only pending makes
// none. A retry that ends the same way as the last attempt changes nothing and so emits
// nothing.
func announceTransitions(rec events.EventRecorder, obj runtime.Object, before, after []metav1.Condition, types ...string) {
	for _, t := range types {
		now := meta.FindStatusCondition(after, t)
		if now == nil {
			continue
		}
		if was := meta.FindStatusCondition(before, t); was != nil && was.Reason == now.Reason && was.Status == now.Status {
			continue
		}
		if t == mfav1.TypeSynced && now.Status == metav1.ConditionTrue {
			continue
		}
		if now.Reason == mfav1.ReasonTestPending || now.Reason == mfav1.ReasonVerificationPending {
			// Waiting for a check is not a change of state worth an event.
			continue
		}
		eventType := corev1.EventTypeNormal
		if now.Status == metav1.ConditionFalse || failedCall[now.Reason] {
			eventType = corev1.EventTypeWarning
		}
		rec.Eventf(obj, nil, eventType, now.Reason, eventAction, "%s", now.Message)
	}
}

// failedCall are the reasons of a call to SailPoint that failed. On a check's condition they
// come with status Unknown (the check is retried), and still warrant a Warning.
var failedCall = map[string]bool{
	mfav1.ReasonRateLimited: true, mfav1.ReasonRemoteError: true, mfav1.ReasonUnreachable: true,
	mfav1.ReasonUnauthorized: true, mfav1.ReasonForbidden: true, mfav1.ReasonBadRequest: true,
}
