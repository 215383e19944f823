package controller

import (
	"context"
	"errors"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// managedKind is what the reconcile frame needs from the reconciler of a kind that manages
// remote state (MfaProviderConfig, MfaKbaAnswers).
type managedKind[T mfav1.Object] interface {
	// reconcile runs the steps for a live object; finalize runs the deletion policy. Both
	// return the outcome to write into conditions (none when Synced has no reason).
	reconcile(ctx context.Context, obj, before T) (outcome, ctrl.Result, error)
	finalize(ctx context.Context, obj, before T) (outcome, ctrl.Result, error)
	// patchStatus writes the status once, when it changed, with its events and metrics.
	patchStatus(ctx context.Context, before, after T) error
	readyMessage(obj T) string
}

// reconcileManaged is the frame every managed kind's Reconcile shares: get the object (gone:
// forget its metrics), write the status once on the way out, echo the requestedAt
// annotation, run the live steps or the deletion, and write their outcome into conditions.
func reconcileManaged[T mfav1.Object](ctx context.Context, c client.Reader, req ctrl.Request, kind string, obj T, r managedKind[T]) (result ctrl.Result, err error) {
	if err := c.Get(ctx, req.NamespacedName, obj); err != nil {
		if client.IgnoreNotFound(err) == nil {
			forgetConditions(kind, req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.DeepCopyObject().(T)
	defer func() {
		if patchErr := r.patchStatus(ctx, before, obj); patchErr != nil {
			err = errors.Join(err, patchErr)
		}
	}()
	handleRequestedAt(obj)

	var o outcome
	if obj.GetDeletionTimestamp().IsZero() {
		o, result, err = r.reconcile(ctx, obj, before)
	} else {
		o, result, err = r.finalize(ctx, obj, before)
	}
	if o.Synced.Reason != "" {
		setConditions(obj, obj.GetGeneration(), o, r.readyMessage(obj))
	}
	return result, err
}
