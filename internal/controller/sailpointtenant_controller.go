package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const kindSailPointTenant = "SailPointTenant"

// tenantRecheckInterval is how often a Ready tenant is checked again. The token is cached, so
// a check makes a token request only when the cached token is about to expire.
const tenantRecheckInterval = 10 * time.Minute

// SailPointTenantReconciler checks that a SailPointTenant's credentials obtain a token, and
// owns the tenant's shared SailPoint client.
type SailPointTenantReconciler struct {
	client.Client
	Clients                 *TenantClients
	Recorder                events.EventRecorder
	MaxConcurrentReconciles int
	// SecretChanges tells which Secrets in use changed.
	SecretChanges *secretVersions
}

// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=sailpointtenants,verbs=get;list;watch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=sailpointtenants/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile obtains a token with the tenant's credentials and reports the result on Ready.
func (r *SailPointTenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	tenant := &mfav1.SailPointTenant{}
	if err := r.Get(ctx, req.NamespacedName, tenant); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Clients.forget(req.NamespacedName)
			sailpoint.ForgetTenant(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !tenant.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	before := tenant.DeepCopy()
	defer func() {
		if patchErr := r.patchStatus(ctx, before, tenant); patchErr != nil {
			err = errors.Join(err, patchErr)
		}
	}()
	if v, ok := tenant.Annotations[mfav1.ReconcileRequestedAtAnnotation]; ok {
		tenant.Status.LastHandledReconcileAt = v
	}

	ready, prog, requeue, err := r.authenticate(ctx, tenant)
	setTenantReady(tenant, ready, prog)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// authenticate obtains (or reuses) the tenant client's token.
func (r *SailPointTenantReconciler) authenticate(ctx context.Context, tenant *mfav1.SailPointTenant) (condition, progress, time.Duration, error) {
	api, err := r.Clients.get(ctx, tenant)
	if err != nil {
		// Without a client the operator holds no usable token.
		tenant.Status.TokenExpiresAt = nil
		if errors.Is(err, errSecretNotFound) {
			return falseCondition(mfav1.ReasonSecretNotFound, err.Error()), stalled, 0, nil
		}
		// E.g. the Secret could not be read: retried with backoff like any transient error.
		return falseCondition(mfav1.ReasonUnreachable, fmt.Sprintf("Cannot build a SailPoint client: %v", err)), reconciling, 0, err
	}
	info, err := api.Token(ctx)
	switch {
	case err == nil:
		tenant.Status.IdentityID, tenant.Status.TenantID = info.IdentityID, info.TenantID
		tenant.Status.ConfigurationAPI = api.ConfigurationAPI()
		if !info.ExpiresAt.IsZero() {
			t := metav1.NewTime(info.ExpiresAt.Truncate(time.Second))
			tenant.Status.TokenExpiresAt = &t
		}
		msg := "Obtained a token from " + tenant.Spec.GetTokenURL()
		return trueCondition(mfav1.ReasonAuthenticated, msg), settled, jitter(tenantRecheckInterval), nil
	case errors.Is(err, sailpoint.ErrInvalidCredentials):
		tenant.Status.TokenExpiresAt = nil
		return falseCondition(mfav1.ReasonInvalidCredentials, "The token endpoint refused the credentials: "+err.Error()), stalled, 0, nil
	default:
		tenant.Status.TokenExpiresAt = nil
		c := falseCondition(mfav1.ReasonUnreachable, "Cannot obtain a token: "+err.Error())
		if d, ok := sailpoint.RetryAfter(err); ok {
			return c, reconciling, d, nil
		}
		// Returned so that the controller retries with exponential backoff.
		return c, reconciling, 0, err
	}
}

// setTenantReady writes the tenant's only condition, Ready, and the kstatus pair.
func setTenantReady(t *mfav1.SailPointTenant, ready condition, prog progress) {
	conds := t.Status.Conditions
	gen := t.Generation
	set := func(typ string, c condition) {
		meta.SetStatusCondition(&conds, metav1.Condition{Type: typ, Status: c.Status, Reason: c.Reason, Message: c.Message, ObservedGeneration: gen})
	}
	set(mfav1.TypeReady, ready)
	meta.RemoveStatusCondition(&conds, mfav1.TypeReconciling)
	meta.RemoveStatusCondition(&conds, mfav1.TypeStalled)
	// Reconciling and Stalled are True while they hold (kstatus), with Ready's reason.
	holds := condition{Status: metav1.ConditionTrue, Reason: ready.Reason, Message: ready.Message}
	switch prog {
	case reconciling:
		set(mfav1.TypeReconciling, holds)
	case stalled:
		set(mfav1.TypeStalled, holds)
	}
	t.Status.Conditions = conds
	t.Status.ObservedGeneration = gen
}

func (r *SailPointTenantReconciler) patchStatus(ctx context.Context, before, after *mfav1.SailPointTenant) error {
	if equality.Semantic.DeepEqual(before.Status, after.Status) {
		return nil
	}
	announceTransitions(r.Recorder, after, before.Status.Conditions, after.Status.Conditions, mfav1.TypeReady)
	if err := r.Status().Patch(ctx, after, client.MergeFrom(before)); err != nil {
		return client.IgnoreNotFound(err)
	}
	logf.FromContext(ctx).V(1).Info("Updated status", "ready", meta.FindStatusCondition(after.Status.Conditions, mfav1.TypeReady).Reason)
	return nil
}

// SetupWithManager registers the reconciler; tenants are reconciled again when their
// credentials Secret changes.
func (r *SailPointTenantReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&mfav1.SailPointTenant{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesRawSource(r.SecretChanges.source(r.tenantsForSecret)).
		WatchesRawSource(source.Channel(r.Clients.signals.wake, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("sailpointtenant").
		Complete(r)
}

// tenantsForSecret wakes the tenants whose credentials a Secret holds.
func (r *SailPointTenantReconciler) tenantsForSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &mfav1.SailPointTenantList{}, o.GetNamespace(), indexSecretName, o.GetName())
}

// tenantSignals turns what a tenant's client learns while it is used by any kind into events
// on the tenant, and wakes the tenant's reconcile so that its status follows.
type tenantSignals struct {
	recorder events.EventRecorder
	wake     chan event.GenericEvent
}

// fallback is the client's OnConfigurationAPIFallback: called once, on the calling goroutine.
func (s tenantSignals) fallback(tenant *mfav1.SailPointTenant) func(string) {
	t := tenantRef(tenant)
	return func(op string) {
		s.event(t, corev1.EventTypeNormal, mfav1.EventReasonConfigurationAPIFallback,
			"SailPoint answered 404 on /mfa/v1 for "+op+": this tenant's client uses the v3 configuration API from now on "+
				"(spec.configurationAPI: Auto). SailPoint retires v3 in Q1 2029: ask SailPoint to enable the per-service API")
	}
}

// deprecated is the client's OnDeprecated: called once per client, with the first operation
// SailPoint marked X-Deprecated.
func (s tenantSignals) deprecated(tenant *mfav1.SailPointTenant) func(string) {
	t := tenantRef(tenant)
	return func(op string) {
		way := "SailPoint publishes no replacement for it yet (the MFA controller operations exist only in v3)"
		switch {
		case sailpoint.IsConfigurationOperation(op):
			way = "set spec.configurationAPI: V1 on this SailPointTenant"
		case op == "DeleteConfig":
			way = "set spec.deletionPolicy: Disable on its MfaProviderConfigs (v1 has no DELETE)"
		}
		s.event(t, corev1.EventTypeWarning, mfav1.EventReasonDeprecatedAPI,
			"SailPoint marked "+op+" deprecated (X-Deprecated: true); the legacy v3 API stops working in Q1 2029: "+way)
	}
}

// tenantRef is what an event and a wake-up need of a tenant, kept by its client for life:
// its identity, not a copy of the whole object.
func tenantRef(t *mfav1.SailPointTenant) *mfav1.SailPointTenant {
	return &mfav1.SailPointTenant{ObjectMeta: metav1.ObjectMeta{
		Namespace: t.Namespace, Name: t.Name, UID: t.UID, ResourceVersion: t.ResourceVersion,
	}}
}

func (s tenantSignals) event(t *mfav1.SailPointTenant, eventType, reason, note string) {
	if s.recorder != nil {
		s.recorder.Eventf(t, nil, eventType, reason, eventAction, "%s", note)
	}
	if s.wake != nil {
		select {
		case s.wake <- event.GenericEvent{Object: t}:
		default: // a wake-up is already pending
		}
	}
}
