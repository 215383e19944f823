package controller

import (
	"math/rand/v2"
	"strconv"
	"time"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

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
