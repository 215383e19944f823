package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// pass records what one reconcile of a managed object found and did. The steps fill it in;
// the status is then computed from it by pure functions (commonStatus and the kind's
// nextStatus), so no step changes the object's status itself.
type pass struct {
	// outcome is Synced, the check and kstatus progress, as the steps decided them.
	outcome
	now        time.Time
	generation int64
	result     ctrl.Result
	err        error
	// skipped: the cache was behind the API server, nothing was done or is reported.
	skipped bool
	// released: the finalizer was removed (or was not there); the object is going away.
	released bool
	observed *observation
	applied  *applyResult
	checked  *checkResult
	// actions are the Normal events of what was done.
	actions []action
	// redact removes the values of the referenced Secrets from texts that come from
	// SailPoint, before they reach status or events.
	redact func(string) string
	// requestedAt is the reconcile.fluxcd.io/requestedAt annotation handled by this pass.
	requestedAt *string
}

func (m *managedReconciler[T]) newPass(obj T) *pass {
	checkType := m.kind.checkType(obj)
	p := &pass{
		outcome:    outcome{CheckType: checkType, Check: carriedCheck(obj, checkType)},
		now:        m.now(),
		generation: obj.GetGeneration(),
		redact:     func(s string) string { return s },
	}
	if v, ok := obj.GetAnnotations()[mfav1.ReconcileRequestedAtAnnotation]; ok {
		p.requestedAt = &v
	}
	return p
}

// carriedCheck is the check's condition as it stands, for passes that do not run the check.
func carriedCheck(obj mfav1.Object, checkType string) condition {
	if checkType == "" {
		return condition{}
	}
	if c := obj.GetCommonStatus().GetCondition(checkType); c != nil {
		return condition{Status: c.Status, Reason: c.Reason, Message: c.Message}
	}
	return pendingCheck(checkType)
}

// pendingCheck is the check's condition before the check of what is applied has run.
func pendingCheck(checkType string) condition {
	if checkType == mfav1.TypeVerified {
		return unknownCondition(mfav1.ReasonVerificationPending, "The answers have not been verified yet")
	}
	return unknownCondition(mfav1.ReasonTestPending, "SailPoint's test of the applied configuration has not run yet")
}

// settle ends the pass with Synced c.
func (p *pass) settle(c condition, prog progress) *pass {
	p.Synced, p.Progress = c, prog
	return p
}

func (p *pass) requeue(d time.Duration) *pass {
	p.result = ctrl.Result{RequeueAfter: d}
	return p
}

// skip ends the pass without doing or reporting anything, to run again once the cache caught
// up (or, with an error, with backoff).
func (p *pass) skip(err error) *pass {
	p.skipped, p.err = true, err
	if err == nil {
		p.result = ctrl.Result{RequeueAfter: cacheCatchUp}
	}
	return p
}

// fail ends the pass on an error of the Kubernetes side (a list or a patch failed): retried
// with backoff; a conflict on a write means the view was stale, so it is only run again.
func (p *pass) fail(err error) *pass {
	if isConflict(err) {
		return p.skip(nil)
	}
	p.err = err
	return p.settle(unknownCondition(mfav1.ReasonProgressing, fmt.Sprintf("The reconcile did not finish and is retried: %v", err)), reconciling)
}

// secretFailure reports a missing Secret or key (Stalled: only the user can fix it); other
// errors reading Secrets are retried with backoff.
func (p *pass) secretFailure(err error) *pass {
	if errors.Is(err, errSecretNotFound) {
		return p.settle(falseCondition(mfav1.ReasonSecretNotFound, err.Error()), stalled)
	}
	return p.fail(err)
}

// waitForTenant reports a tenant that is missing or not Ready. While it may still be on its
// way (a first sync applies everything at once) that is Unknown, which makes no Warning; it
// becomes False once it lasted tenantGracePeriod, or when the tenant says why it is not Ready.
func (p *pass) waitForTenant(w tenantWait) *pass {
	if w.patience > 0 {
		p.settle(unknownCondition(mfav1.ReasonTenantNotReady, w.cond.Message), reconciling)
		return p.requeue(w.patience)
	}
	return p.settle(w.cond, reconciling)
}

// remoteFailure puts an error of a remote step before the check on Synced.
func (p *pass) remoteFailure(what, hint string, err error, interval time.Duration) *pass {
	f := classify(what, hint, err)
	p.settle(f.cond, f.progress)
	return p.retry(f, interval)
}

// checkFailure puts an error of the check on the check's condition: the remote state matches,
// so Synced stays as it is. Unknown for what is retried by itself, False for what only the
// user can fix.
func (p *pass) checkFailure(what, hint string, err error, interval time.Duration) {
	f := classify(what, hint, err)
	p.Check = f.cond
	if f.progress != stalled {
		p.Check.Status = metav1.ConditionUnknown
	}
	p.Progress = f.progress
	p.retry(f, interval)
}

func (p *pass) retry(f failure, interval time.Duration) *pass {
	p.err = f.err
	switch {
	case f.result.RequeueAfter > 0:
		p.result = f.result
	case f.progress == stalled:
		p.result = ctrl.Result{RequeueAfter: jitter(interval)}
	}
	return p
}

// deletionBlocked says that deletion needs the user, and the way out.
func (p *pass) deletionBlocked(why string) *pass {
	return p.settle(falseCondition(mfav1.ReasonDeletionBlocked, fmt.Sprintf(
		"Cannot run the deletion policy: %s. Fix that, or set spec.deletionPolicy: Orphan to delete this object and leave the remote state", why)), stalled)
}

// deletionRetry says that deletion is retried by itself, after retryAfter or with backoff.
func (p *pass) deletionRetry(why string, retryAfter time.Duration, err error) *pass {
	p.settle(falseCondition(mfav1.ReasonDeleting, "Deleting; retrying: "+why), reconciling)
	switch {
	case retryAfter > 0:
		p.result = ctrl.Result{RequeueAfter: retryAfter}
	case err != nil:
		p.err = err
	default:
		p.err = errors.New(why)
	}
	return p
}

// commonStatus writes what every managed kind shows: the conditions of the outcome (with the
// Secrets' values redacted), observedGeneration and lastHandledReconcileAt.
func (p *pass) commonStatus(obj mfav1.Object, readyMessage string) {
	o := p.outcome
	o.Synced.Message = p.redact(o.Synced.Message)
	o.Check.Message = p.redact(o.Check.Message)
	setConditions(obj, p.generation, o, readyMessage)
	if p.requestedAt != nil {
		obj.GetCommonStatus().LastHandledReconcileAt = *p.requestedAt
	}
	if p.applied != nil {
		t := metav1.NewTime(p.now.Truncate(time.Second))
		obj.GetCommonStatus().LastAppliedTime = &t
	}
}

// failure is how a remote error is reported and retried.
type failure struct {
	cond     condition
	progress progress
	result   ctrl.Result
	err      error
}

// classify maps an error from SailPoint onto a condition and the way to retry: 429 after its
// Retry-After; 5xx (RemoteError) and network errors (Unreachable) with the controller's
// backoff; errors only the user can fix (400, 401, 403, bad credentials) are Stalled.
// hint says, after a 403, what the tenant credentials' identity needs.
func classify(what, hint string, err error) failure {
	msg := fmt.Sprintf("Cannot %s: %v", what, err)
	var hold *sailpoint.HoldError
	if errors.As(err, &hold) {
		until := hold.Until.UTC().Format(time.RFC3339)
		if hold.Err == nil {
			// Not sent: the message names when the hold ends, so that it stays the same (and
			// the status unpatched) while the hold lasts.
			msg = fmt.Sprintf("Cannot %s: requests to this SailPoint tenant are held until %s (%s)", what, until, holdReasons[hold.Reason])
		} else {
			msg = fmt.Sprintf("Cannot %s: %v; requests to this SailPoint tenant are held until %s", what, hold.Err, until)
		}
	}
	retryAfter, held := sailpoint.RetryAfter(err)
	user := func(reason, msg string) failure {
		return failure{cond: falseCondition(reason, msg), progress: stalled}
	}
	switch {
	case errors.Is(err, sailpoint.ErrRateLimited):
		return failure{cond: falseCondition(mfav1.ReasonRateLimited, msg), progress: reconciling,
			result: ctrl.Result{RequeueAfter: max(retryAfter, time.Second)}}
	case errors.Is(err, sailpoint.ErrInvalidCredentials):
		return user(mfav1.ReasonInvalidCredentials, msg)
	case errors.Is(err, sailpoint.ErrUnauthorized):
		return user(mfav1.ReasonUnauthorized, msg)
	case errors.Is(err, sailpoint.ErrForbidden):
		return user(mfav1.ReasonForbidden, msg+". "+hint)
	case errors.Is(err, sailpoint.ErrBadRequest):
		return user(mfav1.ReasonBadRequest, msg)
	case errors.Is(err, sailpoint.ErrUnreachable), errors.Is(err, context.DeadlineExceeded):
		if held {
			// The client backs off: come back when it lets calls through again.
			return failure{cond: falseCondition(mfav1.ReasonUnreachable, msg), progress: reconciling,
				result: ctrl.Result{RequeueAfter: max(retryAfter, time.Second)}}
		}
		return failure{cond: falseCondition(mfav1.ReasonUnreachable, msg), progress: reconciling, err: err}
	default:
		return failure{cond: falseCondition(mfav1.ReasonRemoteError, msg), progress: reconciling, err: err}
	}
}

// holdReasons say why a client holds its requests.
var holdReasons = map[string]string{
	sailpoint.HoldRateLimited: "SailPoint answered 429; its Retry-After is honoured",
	sailpoint.HoldUnreachable: "SailPoint did not answer; calls back off",
}
