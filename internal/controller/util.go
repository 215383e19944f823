package controller

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// cacheCatchUp is how soon a reconcile that found the cache behind the API server runs again.
const cacheCatchUp = 250 * time.Millisecond

// cacheBehind reports whether the API server has a newer version of obj than the cache gave
// this reconcile, typically with the status the previous reconcile wrote. That status records
// the last apply, which decides whether to write to SailPoint, so a write is not made on such
// a stale view: the reconcile runs again once the cache caught up. It costs one metadata read
// and runs only before a remote write, never in steady state.
func cacheBehind(ctx context.Context, apiReader client.Reader, obj client.Object, kind string) (bool, error) {
	if apiReader == nil {
		return false, nil
	}
	live := &metav1.PartialObjectMetadata{}
	live.SetGroupVersionKind(mfav1.GroupVersion.WithKind(kind))
	if err := apiReader.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return live.ResourceVersion != obj.GetResourceVersion(), nil
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// jitter returns d plus up to 10% more, so that resources created together do not poll
// SailPoint together.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// handleRequestedAt echoes the reconcile.fluxcd.io/requestedAt annotation into
// status.lastHandledReconcileAt, so that `flux reconcile` and similar tools see it handled.
func handleRequestedAt(obj mfav1.Object) {
	if v, ok := obj.GetAnnotations()[mfav1.ReconcileRequestedAtAnnotation]; ok {
		obj.GetCommonStatus().LastHandledReconcileAt = v
	}
}
