package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// condition is what a reconcile step decided about one condition type.
type condition struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

func trueCondition(reason, message string) condition {
	return condition{Status: metav1.ConditionTrue, Reason: reason, Message: message}
}

func falseCondition(reason, message string) condition {
	return condition{Status: metav1.ConditionFalse, Reason: reason, Message: message}
}

func unknownCondition(reason, message string) condition {
	return condition{Status: metav1.ConditionUnknown, Reason: reason, Message: message}
}

// progress tells kstatus (Flux, Argo CD, kubectl wait) how to read a non-ready object.
type progress int

const (
	// settled: nothing in progress, nothing stuck.
	settled progress = iota
	// reconciling: work is under way or will be retried by itself (transient errors).
	reconciling
	// stalled: only a change by the user can fix it.
	stalled
)

// outcome is the result of one reconcile of a managed resource, before it is written into
// conditions. Keeping it separate from the object makes the status computation a pure
// function that can be table-tested.
type outcome struct {
	// Synced is the state of the remote configuration against the desired one.
	Synced condition
	// CheckType is TypeTested or TypeVerified for kinds that prove their configuration
	// works; empty when the kind has no such check (or it is not asked for).
	CheckType string
	Check     condition
	Progress  progress
}

// readyCondition derives the Ready summary: True when Synced is True and the check (if
// any) is True or deliberately not run; otherwise the first condition that holds it back
// (Unknown only while the check has not run yet; False when its call failed).
func readyCondition(o outcome, readyMessage string) condition {
	if o.Synced.Status != metav1.ConditionTrue {
		return o.Synced
	}
	if o.CheckType != "" && o.Check.Status != metav1.ConditionTrue && o.Check.Reason != mfav1.ReasonDisabled {
		if o.Check.Reason == mfav1.ReasonTestPending || o.Check.Reason == mfav1.ReasonVerificationPending {
			return o.Check
		}
		// The check's call failed (Unknown: it is retried) or the check failed: not Ready.
		return condition{Status: metav1.ConditionFalse, Reason: o.Check.Reason, Message: o.Check.Message}
	}
	return trueCondition(mfav1.ReasonAvailable, readyMessage)
}

// setConditions writes an outcome into the conditions of obj at generation gen: Ready,
// Synced, the check, and the kstatus pair Reconciling/Stalled, which are removed when they
// no longer hold.
func setConditions(obj mfav1.Object, gen int64, o outcome, readyMessage string) {
	conds := obj.GetConditions()
	set := func(t string, c condition) {
		meta.SetStatusCondition(&conds, metav1.Condition{
			Type: t, Status: c.Status, Reason: c.Reason, Message: c.Message, ObservedGeneration: gen,
		})
	}
	ready := readyCondition(o, readyMessage)
	set(mfav1.TypeReady, ready)
	set(mfav1.TypeSynced, o.Synced)
	if o.CheckType != "" {
		set(o.CheckType, o.Check)
	}
	for _, t := range []string{mfav1.TypeTested, mfav1.TypeVerified} {
		if t != o.CheckType {
			meta.RemoveStatusCondition(&conds, t)
		}
	}
	switch o.Progress {
	case reconciling:
		set(mfav1.TypeReconciling, condition{Status: metav1.ConditionTrue, Reason: ready.Reason, Message: ready.Message})
		meta.RemoveStatusCondition(&conds, mfav1.TypeStalled)
	case stalled:
		set(mfav1.TypeStalled, condition{Status: metav1.ConditionTrue, Reason: ready.Reason, Message: ready.Message})
		meta.RemoveStatusCondition(&conds, mfav1.TypeReconciling)
	default:
		meta.RemoveStatusCondition(&conds, mfav1.TypeReconciling)
		meta.RemoveStatusCondition(&conds, mfav1.TypeStalled)
	}
	obj.SetConditions(conds)
	obj.GetCommonStatus().ObservedGeneration = gen
}
