package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const kindMfaProviderConfig = "MfaProviderConfig"

// providerForbiddenHint is what a 403 on the MFA configuration endpoints means.
const providerForbiddenHint = "The identity that owns the tenant credentials needs the ORG_ADMIN user level and the idn:mfa-configuration:manage scope"

// MfaProviderConfigReconciler makes SailPoint's Okta Verify or Duo Web configuration match an
// MfaProviderConfig, runs SailPoint's test of it, and keeps both up to date.
type MfaProviderConfigReconciler struct {
	client.Client
	// APIReader reads from the API server without the cache (see cacheBehind).
	APIReader               client.Reader
	Clients                 *TenantClients
	Recorder                events.EventRecorder
	MaxConcurrentReconciles int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs/finalizers,verbs=update
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=sailpointtenants,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs the steps of the contract in order: suspend, references, singleton guard,
// observe, apply, test; then requeues after spec.interval.
func (r *MfaProviderConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileManaged(ctx, r.Client, req, kindMfaProviderConfig, &mfav1.MfaProviderConfig{}, r)
}

func (r *MfaProviderConfigReconciler) readyMessage(p *mfav1.MfaProviderConfig) string {
	if !p.Spec.IsEnabled() {
		return fmt.Sprintf("The %s configuration is in sync (disabled, so not tested)", p.Spec.Method)
	}
	return fmt.Sprintf("The %s configuration is in sync and SailPoint's test succeeded", p.Spec.Method)
}

// reconcile brings a live object's remote configuration in line, and tests it.
func (r *MfaProviderConfigReconciler) reconcile(ctx context.Context, obj, before *mfav1.MfaProviderConfig) (outcome, ctrl.Result, error) {
	interval := obj.Spec.GetInterval()
	o := outcome{CheckType: mfav1.TypeTested, Check: r.carriedTest(obj)}
	requeue := ctrl.Result{RequeueAfter: jitter(interval)}

	// 1. Suspended: no remote call at all.
	if obj.Spec.Suspend {
		o.Synced = unknownCondition(mfav1.ReasonSuspended, "Reconciliation is suspended (spec.suspend)")
		return o, ctrl.Result{}, nil
	}

	// 2. References: tenant and Secrets. Missing ones are conditions; watches bring us back.
	tenant, cond, prog := readyTenant(ctx, r.Client, obj.Namespace, obj.Spec.TenantRef.Name)
	if tenant == nil {
		o.Synced, o.Progress = cond, prog
		return o, ctrl.Result{}, nil
	}
	vals, err := r.Clients.secrets.read(ctx, obj.Namespace, providerSecretRefs(obj)...)
	if err != nil {
		return secretOutcome(o, err)
	}

	// 3. Singleton guard: one remote configuration per tenant and method.
	if other, err := r.olderOwner(ctx, obj, tenant); err != nil {
		return o, ctrl.Result{}, err
	} else if other != "" {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonConflict, fmt.Sprintf(
			"MfaProviderConfig %s already manages the %s configuration of %s; this one makes no remote call",
			other, obj.Spec.Method, tenant.Spec.BaseURL)), stalled
		return o, requeue, nil
	}

	api, err := r.Clients.get(ctx, tenant)
	if err != nil {
		return secretOutcome(o, err)
	}

	// 4. Observe.
	method := sailpoint.Method(obj.Spec.Method)
	observed, err := getProvider(ctx, api, method)
	if err != nil {
		return remoteOutcome(o, "read the "+string(method)+" configuration", providerForbiddenHint, err, interval)
	}
	if obj.Spec.GetManagementPolicy() == mfav1.ManagementPolicyManage {
		if err := r.ensureFinalizer(ctx, obj, before); err != nil {
			return o, ctrl.Result{}, err
		}
	}

	// 5. Apply only when something differs.
	desired := desiredProvider(obj, vals)
	drift := diffProvider(desired, observed, method == sailpoint.MethodDuoWeb)
	secretsChanged := !equality.Semantic.DeepEqual(obj.Status.AppliedSecretVersions, vals.versions)
	applied := false
	switch {
	case obj.Spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve:
		if len(drift) > 0 {
			o.Synced = falseCondition(mfav1.ReasonDriftDetected,
				"The remote configuration differs from the spec in: "+strings.Join(drift, ", ")+" (managementPolicy Observe: not corrected)")
		} else {
			o.Synced = trueCondition(mfav1.ReasonObserved, "The remote configuration matches the spec (managementPolicy Observe)")
		}
	case len(drift) > 0 || secretsChanged:
		if behind, err := cacheBehind(ctx, r.APIReader, obj, kindMfaProviderConfig); err != nil || behind {
			return outcome{}, ctrl.Result{RequeueAfter: cacheCatchUp}, err
		}
		if err := putProvider(ctx, api, method, desired); err != nil {
			return remoteOutcome(o, "write the "+string(method)+" configuration", providerForbiddenHint, err, interval)
		}
		applied = true
		r.recordApply(obj, vals, drift, secretsChanged)
		// The last test was of the previous configuration; until this one is tested (and if
		// its test cannot run now, at the next reconcile) Tested says so.
		o.Check = unknownCondition(mfav1.ReasonTestPending, "SailPoint's test of the applied configuration has not run yet")
		o.Synced = trueCondition(mfav1.ReasonSynced, "Applied the "+string(method)+" configuration to SailPoint")
	default:
		o.Synced = trueCondition(mfav1.ReasonSynced, "The remote configuration matches the spec")
	}

	// 6. Test, after each apply and each interval; not when disabled.
	if !obj.Spec.IsEnabled() {
		o.Check = unknownCondition(mfav1.ReasonDisabled, "The method is disabled, so it is not tested")
		return o, requeue, nil
	}
	if applied || r.testDue(obj, interval) {
		res, err := api.TestConfig(ctx, method)
		if err != nil {
			return remoteOutcome(o, "test the "+string(method)+" configuration", providerForbiddenHint, err, interval)
		}
		o.Check = r.recordTest(obj, *res)
	}
	if o.Check.Status == metav1.ConditionFalse {
		o.Progress = stalled
	}
	// 7. Requeue for drift detection and the next test.
	return o, requeue, nil
}

// carriedTest is the Tested condition as it stands, for reconciles that do not test.
func (r *MfaProviderConfigReconciler) carriedTest(obj *mfav1.MfaProviderConfig) condition {
	if c := obj.Status.GetCondition(mfav1.TypeTested); c != nil {
		return condition{Status: c.Status, Reason: c.Reason, Message: c.Message}
	}
	return unknownCondition(mfav1.ReasonTestPending, "SailPoint's test has not run yet")
}

func (r *MfaProviderConfigReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// testDue reports whether the last test is older than the interval, or missing, or did not
// test what is applied now (the method was disabled, or the test after an apply did not run).
func (r *MfaProviderConfigReconciler) testDue(obj *mfav1.MfaProviderConfig, interval time.Duration) bool {
	last := obj.Status.LastTest
	tested := obj.Status.GetCondition(mfav1.TypeTested)
	return last == nil || r.now().Sub(last.Time.Time) >= interval || tested == nil ||
		tested.Reason == mfav1.ReasonDisabled || tested.Reason == mfav1.ReasonTestPending
}

func (r *MfaProviderConfigReconciler) recordApply(obj *mfav1.MfaProviderConfig, vals secretValues, drift []string, secretsChanged bool) {
	now := metav1.NewTime(r.now().Truncate(time.Second))
	reason, note := mfav1.EventReasonApplied, "Applied the "+string(obj.Spec.Method)+" configuration"
	if obj.Status.AppliedGeneration == obj.Generation && !secretsChanged {
		reason, note = mfav1.EventReasonDriftCorrected, "Corrected remote changes to: "+strings.Join(drift, ", ")
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, eventAction, "%s", note)
	obj.Status.LastAppliedTime = &now
	obj.Status.AppliedGeneration = obj.Generation
	obj.Status.AppliedSecretVersions = vals.versions
}

func (r *MfaProviderConfigReconciler) recordTest(obj *mfav1.MfaProviderConfig, res sailpoint.MfaConfigTestResponse) condition {
	now := metav1.NewTime(r.now().Truncate(time.Second))
	state := mfav1.TestState(res.State)
	message := res.Error
	obj.Status.LastTest = &mfav1.TestResult{State: state, Message: message, Time: now}
	if state == mfav1.TestStateSuccess {
		return trueCondition(mfav1.ReasonTestSucceeded, "SailPoint's test of the "+string(obj.Spec.Method)+" configuration succeeded")
	}
	if message == "" {
		message = fmt.Sprintf("SailPoint's test answered %q", res.State)
	}
	return falseCondition(mfav1.ReasonTestFailed, message)
}

// readyTenant returns the referenced tenant when it exists and is Ready; otherwise the
// TenantNotReady condition to report.
func readyTenant(ctx context.Context, c client.Reader, namespace, name string) (*mfav1.SailPointTenant, condition, progress) {
	tenant := &mfav1.SailPointTenant{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, tenant); err != nil {
		msg := fmt.Sprintf("SailPointTenant %s/%s does not exist", namespace, name)
		if client.IgnoreNotFound(err) != nil {
			msg = fmt.Sprintf("Cannot read SailPointTenant %s/%s: %v", namespace, name, err)
		}
		return nil, falseCondition(mfav1.ReasonTenantNotReady, msg), reconciling
	}
	if !tenant.DeletionTimestamp.IsZero() {
		return nil, falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf("SailPointTenant %s/%s is being deleted", namespace, name)), reconciling
	}
	if !tenant.Status.IsReady(tenant.Generation) {
		msg := fmt.Sprintf("SailPointTenant %s/%s is not ready", namespace, name)
		if c := tenant.Status.GetCondition(mfav1.TypeReady); c != nil && c.Message != "" {
			msg += ": " + c.Reason + ": " + c.Message
		}
		return nil, falseCondition(mfav1.ReasonTenantNotReady, msg), reconciling
	}
	return tenant, condition{}, settled
}

// secretOutcome reports a missing Secret or key (Stalled: only the user can fix it), or
// returns other errors for a retry with backoff.
func secretOutcome(o outcome, err error) (outcome, ctrl.Result, error) {
	if errors.Is(err, errSecretNotFound) {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonSecretNotFound, err.Error()), stalled
		return o, ctrl.Result{}, nil
	}
	o.Synced, o.Progress = falseCondition(mfav1.ReasonRemoteError, err.Error()), reconciling
	return o, ctrl.Result{}, err
}

// remoteOutcome maps an error from SailPoint onto Synced and the way to retry: 429 after its
// Retry-After; 5xx (RemoteError) and network errors (Unreachable) with the controller's
// backoff; errors only the user can fix (400, 401, 403, bad credentials) are Stalled and
// looked at again after interval.
// forbiddenHint says, after a 403, what the tenant credentials' identity needs.
func remoteOutcome(o outcome, what, forbiddenHint string, err error, interval time.Duration) (outcome, ctrl.Result, error) {
	msg := fmt.Sprintf("Cannot %s: %v", what, err)
	switch {
	case errors.Is(err, sailpoint.ErrRateLimited):
		d, _ := sailpoint.RetryAfter(err)
		if d < time.Second {
			d = time.Second
		}
		o.Synced, o.Progress = falseCondition(mfav1.ReasonRateLimited, msg), reconciling
		return o, ctrl.Result{RequeueAfter: d}, nil
	case errors.Is(err, sailpoint.ErrInvalidCredentials):
		o.Synced, o.Progress = falseCondition(mfav1.ReasonInvalidCredentials, msg), stalled
	case errors.Is(err, sailpoint.ErrUnauthorized):
		o.Synced, o.Progress = falseCondition(mfav1.ReasonUnauthorized, msg), stalled
	case errors.Is(err, sailpoint.ErrForbidden):
		o.Synced, o.Progress = falseCondition(mfav1.ReasonForbidden, msg+". "+forbiddenHint), stalled
	case errors.Is(err, sailpoint.ErrBadRequest):
		o.Synced, o.Progress = falseCondition(mfav1.ReasonBadRequest, msg), stalled
	case errors.Is(err, sailpoint.ErrUnreachable):
		o.Synced, o.Progress = falseCondition(mfav1.ReasonUnreachable, msg), reconciling
		return o, ctrl.Result{}, err
	default:
		o.Synced, o.Progress = falseCondition(mfav1.ReasonRemoteError, msg), reconciling
		return o, ctrl.Result{}, err
	}
	return o, ctrl.Result{RequeueAfter: jitter(interval)}, nil
}

func providerSecretRefs(p *mfav1.MfaProviderConfig) []mfav1.SecretKeySelector {
	refs := []mfav1.SecretKeySelector{p.Spec.AccessKeySecretRef}
	if p.Spec.Method == mfav1.MfaMethodDuoWeb && p.Spec.Duo != nil {
		refs = append(refs, p.Spec.Duo.IntegrationKeySecretRef, p.Spec.Duo.SecretKeySecretRef)
	}
	return refs
}

func desiredProvider(p *mfav1.MfaProviderConfig, vals secretValues) providerState {
	s := providerState{
		Enabled: p.Spec.IsEnabled(), Host: p.Spec.Host, IdentityAttribute: p.Spec.IdentityAttribute,
		AccessKey: vals.get(p.Spec.AccessKeySecretRef),
	}
	if p.Spec.Method == mfav1.MfaMethodDuoWeb && p.Spec.Duo != nil {
		s.IKey = vals.get(p.Spec.Duo.IntegrationKeySecretRef)
		s.SKey = vals.get(p.Spec.Duo.SecretKeySecretRef)
	}
	return s
}

func getProvider(ctx context.Context, api sailpoint.API, method sailpoint.Method) (providerState, error) {
	if method == sailpoint.MethodDuoWeb {
		c, err := api.GetDuoConfig(ctx)
		if err != nil {
			return providerState{}, err
		}
		return duoState(*c), nil
	}
	c, err := api.GetOktaConfig(ctx)
	if err != nil {
		return providerState{}, err
	}
	return oktaState(*c), nil
}

func putProvider(ctx context.Context, api sailpoint.API, method sailpoint.Method, desired providerState) error {
	var err error
	if method == sailpoint.MethodDuoWeb {
		_, err = api.SetDuoConfig(ctx, desired.duo())
	} else {
		_, err = api.SetOktaConfig(ctx, desired.okta())
	}
	return err
}

// olderOwner returns namespace/name of an older MfaProviderConfig (any namespace) that
// targets the same tenant base URL and method, or "".
func (r *MfaProviderConfigReconciler) olderOwner(ctx context.Context, obj *mfav1.MfaProviderConfig, tenant *mfav1.SailPointTenant) (string, error) {
	list := &mfav1.MfaProviderConfigList{}
	if err := r.List(ctx, list, client.MatchingFields{indexMethod: string(obj.Spec.Method)}); err != nil {
		return "", err
	}
	endpoint := normalizeBaseURL(tenant.Spec.BaseURL)
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == obj.UID || !olderThan(other, obj) {
			continue
		}
		otherTenant := &mfav1.SailPointTenant{}
		key := types.NamespacedName{Namespace: other.Namespace, Name: other.Spec.TenantRef.Name}
		if err := r.Get(ctx, key, otherTenant); err != nil {
			continue
		}
		if normalizeBaseURL(otherTenant.Spec.BaseURL) == endpoint {
			return other.Namespace + "/" + other.Name, nil
		}
	}
	return "", nil
}

// olderThan orders objects by creationTimestamp, then namespace/name.
func olderThan(a, b metav1.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a.GetNamespace()+"/"+a.GetName() < b.GetNamespace()+"/"+b.GetName()
}

func normalizeBaseURL(u string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/")
}

// ensureFinalizer adds the finalizer, once the first remote call succeeded, so that deletion
// can remove the remote configuration.
func (r *MfaProviderConfigReconciler) ensureFinalizer(ctx context.Context, obj, before *mfav1.MfaProviderConfig) error {
	return setFinalizer(ctx, r.Client, obj, before, true)
}

// setFinalizer adds or removes the finalizer with a patch of metadata only, keeping the status
// computed so far in obj and before in step with the server.
func setFinalizer(ctx context.Context, c client.Client, obj, before client.Object, add bool) error {
	if controllerutil.ContainsFinalizer(obj, mfav1.Finalizer) == add {
		return nil
	}
	patched := before.DeepCopyObject().(client.Object)
	if add {
		controllerutil.AddFinalizer(patched, mfav1.Finalizer)
	} else {
		controllerutil.RemoveFinalizer(patched, mfav1.Finalizer)
	}
	if err := c.Patch(ctx, patched, client.MergeFrom(before)); err != nil {
		return client.IgnoreNotFound(err)
	}
	for _, o := range []client.Object{obj, before} {
		o.SetFinalizers(patched.GetFinalizers())
		o.SetResourceVersion(patched.GetResourceVersion())
	}
	return nil
}

// finalize runs the deletion policy: Delete removes the remote configuration, Orphan (and
// Observe mode, which never writes) leaves it. When the tenant or its Secret is gone the
// object says so and how to get out: set deletionPolicy Orphan.
func (r *MfaProviderConfigReconciler) finalize(ctx context.Context, obj, before *mfav1.MfaProviderConfig) (outcome, ctrl.Result, error) {
	o := outcome{CheckType: mfav1.TypeTested, Check: r.carriedTest(obj)}
	if !controllerutil.ContainsFinalizer(obj, mfav1.Finalizer) {
		return outcome{}, ctrl.Result{}, nil
	}
	if obj.Spec.GetDeletionPolicy() == mfav1.DeletionPolicyOrphan || obj.Spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, mfav1.EventReasonOrphaned, eventAction,
			"Left the remote %s configuration in place", obj.Spec.Method)
		return outcome{}, ctrl.Result{}, setFinalizer(ctx, r.Client, obj, before, false)
	}
	if obj.Spec.Suspend {
		o.Synced = unknownCondition(mfav1.ReasonSuspended,
			"Deletion waits while reconciliation is suspended; unsuspend, or set deletionPolicy: Orphan")
		return o, ctrl.Result{}, nil
	}
	blocked := func(why string) (outcome, ctrl.Result, error) {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonDeletionBlocked, fmt.Sprintf(
			"Cannot delete the remote %s configuration: %s. Fix that, or set spec.deletionPolicy: Orphan to delete this object and leave the remote configuration",
			obj.Spec.Method, why)), stalled
		return o, ctrl.Result{}, nil
	}
	tenant, cond, _ := readyTenant(ctx, r.Client, obj.Namespace, obj.Spec.TenantRef.Name)
	if tenant == nil {
		return blocked(cond.Message)
	}
	// A config that lost the singleton guard to an older one must not delete what that one
	// manages.
	if other, err := r.olderOwner(ctx, obj, tenant); err != nil {
		return o, ctrl.Result{}, err
	} else if other != "" {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, mfav1.EventReasonOrphaned, eventAction,
			"Left the remote %s configuration in place: MfaProviderConfig %s manages it", obj.Spec.Method, other)
		return outcome{}, ctrl.Result{}, setFinalizer(ctx, r.Client, obj, before, false)
	}
	api, err := r.Clients.get(ctx, tenant)
	if err != nil {
		return blocked(err.Error())
	}
	if _, err := api.DeleteConfig(ctx, sailpoint.Method(obj.Spec.Method)); err != nil && !errors.Is(err, sailpoint.ErrNotFound) {
		o, res, err := remoteOutcome(o, "delete the "+string(obj.Spec.Method)+" configuration", providerForbiddenHint, err, obj.Spec.GetInterval())
		return o, res, err
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, mfav1.EventReasonDeleted, eventAction,
		"Deleted the remote %s configuration", obj.Spec.Method)
	logf.FromContext(ctx).Info("Deleted the remote configuration", "method", obj.Spec.Method)
	return outcome{}, ctrl.Result{}, setFinalizer(ctx, r.Client, obj, before, false)
}

func (r *MfaProviderConfigReconciler) patchStatus(ctx context.Context, before, after *mfav1.MfaProviderConfig) error {
	if after.DeletionTimestamp != nil && !controllerutil.ContainsFinalizer(after, mfav1.Finalizer) {
		forgetConditions(kindMfaProviderConfig, after.Namespace, after.Name)
		return nil
	}
	recordConditions(kindMfaProviderConfig, after.Namespace, after.Name, after.Status.Conditions)
	if equality.Semantic.DeepEqual(before.Status, after.Status) {
		return nil
	}
	announceTransitions(r.Recorder, after, before.Status.Conditions, after.Status.Conditions,
		mfav1.TypeSynced, mfav1.TypeTested)
	return client.IgnoreNotFound(r.Status().Patch(ctx, after, client.MergeFrom(before)))
}

// SetupWithManager registers the reconciler with its watches: its own objects (spec and
// annotation changes only, so status writes do not loop), referenced Secrets (metadata only),
// tenants becoming ready or changing, and peers whose creation may start a Conflict (a peer
// created in the same second can be the older one) or whose deletion may end one.
func (r *MfaProviderConfigReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&mfav1.MfaProviderConfig{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesMetadata(secretGVKObject(), handler.EnqueueRequestsFromMapFunc(r.forSecret)).
		Watches(&mfav1.SailPointTenant{}, handler.EnqueueRequestsFromMapFunc(r.forTenant),
			builder.WithPredicates(tenantChangedPredicate())).
		Watches(&mfav1.MfaProviderConfig{}, handler.EnqueueRequestsFromMapFunc(r.samePeers),
			// A peer created in the same second can be older by name, so creations count too.
			builder.WithPredicates(peerPredicate(true))).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("mfaproviderconfig").
		Complete(r)
}

func (r *MfaProviderConfigReconciler) forSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &mfav1.MfaProviderConfigList{}, o.GetNamespace(), indexSecretName, o.GetName())
}

func (r *MfaProviderConfigReconciler) forTenant(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &mfav1.MfaProviderConfigList{}, o.GetNamespace(), indexTenantName, o.GetName())
}

// samePeers wakes the younger configs of the same method when one appears or goes away, so
// that a Conflict starts or ends without waiting for the interval. Older ones cannot be
// affected: only an older config blocks a younger one.
func (r *MfaProviderConfigReconciler) samePeers(ctx context.Context, o client.Object) []reconcile.Request {
	p, ok := o.(*mfav1.MfaProviderConfig)
	if !ok {
		return nil
	}
	list := &mfav1.MfaProviderConfigList{}
	if err := r.List(ctx, list, client.MatchingFields{indexMethod: string(p.Spec.Method)}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if list.Items[i].UID != p.UID && olderThan(p, &list.Items[i]) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}

// peerPredicate passes the events of a peer object that may end another's Conflict: its
// deletion, the update that removes its last finalizer, and (when onCreate) its creation.
func peerPredicate(onCreate bool) predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return onCreate },
		UpdateFunc:  func(e event.UpdateEvent) bool { return releasedForDeletion(e.ObjectNew) },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// tenantChangedPredicate passes tenant events that matter to dependents: creation, deletion,
// a spec change, or a change of Ready; not the token expiry a tenant records on refresh.
func tenantChangedPredicate() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldT, ok1 := e.ObjectOld.(*mfav1.SailPointTenant)
			newT, ok2 := e.ObjectNew.(*mfav1.SailPointTenant)
			if !ok1 || !ok2 {
				return true
			}
			return oldT.Generation != newT.Generation ||
				oldT.Status.IsReady(oldT.Generation) != newT.Status.IsReady(newT.Generation)
		},
	}
}
