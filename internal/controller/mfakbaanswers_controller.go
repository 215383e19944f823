package controller

import (
	"context"
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
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const kindMfaKbaAnswers = "MfaKbaAnswers"

// The scopes of the KBA endpoints (reference section 2.1), named in Forbidden messages. The
// answers are always those of the identity that owns the tenant's credentials, so no user
// level helps: its token needs the scope (or sp:scopes:all).
const (
	scopeKbaRead         = "idn:mfa-kba:read"
	scopeKbaAuthenticate = "idn:mfa-kba:authenticate"
)

// MfaKbaAnswersReconciler sets the KBA answers of the identity that owns a tenant's
// credentials from an MfaKbaAnswers, optionally verifies them, and checks every interval that
// their questions still exist.
type MfaKbaAnswersReconciler struct {
	client.Client
	Clients                 *TenantClients
	Recorder                events.EventRecorder
	MaxConcurrentReconciles int
	// APIReader reads from the API server without the cache, to make sure a write to
	// SailPoint is not repeated on a stale view of the object; nil skips that check.
	APIReader client.Reader
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers/finalizers,verbs=update
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=sailpointtenants,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs the steps in order: suspend, references, answer lengths, singleton guard,
// question check, apply (only when the spec or a Secret changed, or an answer went missing),
// verify; then requeues after spec.interval.
func (r *MfaKbaAnswersReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileManaged(ctx, r.Client, req, kindMfaKbaAnswers, &mfav1.MfaKbaAnswers{}, r)
}

func (r *MfaKbaAnswersReconciler) readyMessage(k *mfav1.MfaKbaAnswers) string {
	switch {
	case observeOnly(k):
		return "Every question exists and has answers in the tenant (managementPolicy Observe)"
	case k.Spec.Verify:
		return "The KBA answers are in place and SailPoint verified them"
	}
	return "The KBA answers are in place"
}

func observeOnly(k *mfav1.MfaKbaAnswers) bool {
	return k.Spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve
}

// kbaAnswers is what a reconcile learned on the way to the apply.
type kbaAnswers struct {
	api       sailpoint.API
	vals      secretValues
	questions []sailpoint.KbaQuestion
	// ids are the resolved question ids, one per spec.answers item.
	ids []string
}

// reconcile brings a live object's answers in line, and verifies them.
func (r *MfaKbaAnswersReconciler) reconcile(ctx context.Context, obj, before *mfav1.MfaKbaAnswers) (outcome, ctrl.Result, error) {
	interval := obj.Spec.GetInterval()
	o := outcome{CheckType: verifiedCheckType(obj), Check: carriedVerification(obj)}
	requeue := ctrl.Result{RequeueAfter: jitter(interval)}

	// 1. Suspended: no remote call at all.
	if obj.Spec.Suspend {
		o.Synced = unknownCondition(mfav1.ReasonSuspended, "Reconciliation is suspended (spec.suspend)")
		return o, ctrl.Result{}, nil
	}

	// 2.-4. Tenant, Secrets, answer lengths and the singleton guard: no remote call yet.
	k, o, res, done, err := r.references(ctx, obj, o)
	if done {
		return o, res, err
	}

	// 5. Check that every question exists.
	if err := r.resolve(ctx, obj, &k); err != nil {
		return remoteOutcome(o, "read the KBA questions", kbaForbiddenHint(scopeKbaRead), err, interval)
	}
	if observeOnly(obj) || obj.Status.LastAppliedTime != nil {
		obj.Status.Questions = checkedQuestions(k.questions, obj.Status.Questions, observeOnly(obj))
	}
	if missing := missingQuestions(k.ids, obj); len(missing) > 0 {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonQuestionNotFound, fmt.Sprintf(
			"Not among the tenant's KBA questions: %s; nothing was sent", strings.Join(missing, ", "))), stalled
		return o, requeue, nil
	}
	if dups := duplicateQuestions(obj.Spec.Answers, k.ids); len(dups) > 0 {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonInvalidAnswer, fmt.Sprintf(
			"More than one answer is given to %s; nothing was sent", strings.Join(dups, ", "))), stalled
		return o, requeue, nil
	}

	// 6. Observe: never write, report what can be seen.
	if observeOnly(obj) {
		o.Synced = observedAnswers(obj, k)
		return o, requeue, nil
	}

	// 7. Apply only when the spec or a Secret changed, or SailPoint lost an answer.
	applied := false
	changed := changedSinceApply(obj.Status, obj.Generation, secretVersionsByName(k.vals.versions))
	var lost []string
	if len(changed) == 0 {
		lost = unansweredInTenant(obj.Spec.Answers, k.ids, k.questions)
	}
	if len(changed) > 0 || len(lost) > 0 || (obj.Spec.Verify && verificationDue(obj)) {
		if behind, err := cacheBehind(ctx, r.APIReader, obj, kindMfaKbaAnswers); err != nil || behind {
			return outcome{}, ctrl.Result{RequeueAfter: cacheCatchUp}, err
		}
	}
	if len(changed) > 0 || len(lost) > 0 {
		o2, res, ok, err := r.apply(ctx, obj, before, k, o, changed, lost)
		if !ok {
			return o2, res, err
		}
		o, applied = o2, true
	} else {
		o.Synced = trueCondition(mfav1.ReasonSynced, fmt.Sprintf(
			"The %d answers are in place and every question still exists", len(obj.Spec.Answers)))
	}

	// 8. Verify after each apply (and until a verification got a final answer).
	if obj.Spec.Verify && (applied || verificationDue(obj)) {
		return r.verify(ctx, obj, k, o, requeue)
	}
	if o.Check.Status == metav1.ConditionFalse {
		o.Progress = stalled
	}
	// 9. Requeue for the question check.
	return o, requeue, nil
}

// verifiedCheckType is TypeVerified when the answers are to be verified. Verification is a POST
// whose failures count towards SailPoint's lockout, so Observe mode, which never posts, does
// not verify and has no Verified condition.
func verifiedCheckType(k *mfav1.MfaKbaAnswers) string {
	if k.Spec.Verify && !observeOnly(k) {
		return mfav1.TypeVerified
	}
	return ""
}

// carriedVerification is the Verified condition as it stands, for reconciles that do not
// verify.
func carriedVerification(k *mfav1.MfaKbaAnswers) condition {
	if c := k.Status.GetCondition(mfav1.TypeVerified); c != nil {
		return condition{Status: c.Status, Reason: c.Reason, Message: c.Message}
	}
	return unknownCondition(mfav1.ReasonVerificationPending, "The answers have not been verified yet")
}

// verificationDue reports whether the last verification has no final answer yet (never ran,
// PENDING, or failed to reach SailPoint). A final answer (SUCCESS, FAILED, LOCKOUT,
// NOT_ENOUGH_DATA) stands until the next apply: repeating a refused authenticate would only
// lead to a lockout.
func verificationDue(k *mfav1.MfaKbaAnswers) bool {
	c := k.Status.GetCondition(mfav1.TypeVerified)
	return c == nil || c.Reason == mfav1.ReasonVerificationPending
}

// references resolves the tenant and the answers' Secrets, refuses too short answers and
// guards against a second object for the same identity, all before any remote call. done is
// true when the reconcile ends here with the returned outcome.
func (r *MfaKbaAnswersReconciler) references(ctx context.Context, obj *mfav1.MfaKbaAnswers, o outcome) (k kbaAnswers, _ outcome, _ ctrl.Result, done bool, _ error) {
	tenant, cond, prog := readyTenant(ctx, r.Client, obj.Namespace, obj.Spec.TenantRef.Name)
	if tenant == nil {
		o.Synced, o.Progress = cond, prog
		return k, o, ctrl.Result{}, true, nil
	}
	vals, err := r.Clients.secrets.read(ctx, obj.Namespace, kbaSecretRefs(obj)...)
	if err != nil {
		o, res, err := secretOutcome(o, err)
		return k, o, res, true, err
	}
	if short := shortAnswers(obj.Spec.Answers, vals); len(short) > 0 {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonInvalidAnswer, fmt.Sprintf(
			"Answers must be at least %d characters long; too short: the answer to %s",
			minAnswerLength, strings.Join(short, ", "))), stalled
		return k, o, ctrl.Result{}, true, nil
	}
	if other, err := r.olderOwner(ctx, obj, tenant); err != nil {
		return k, o, ctrl.Result{}, true, err
	} else if other != "" {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonConflict, fmt.Sprintf(
			"MfaKbaAnswers %s already sets the KBA answers of the identity of SailPointTenant %s/%s; this one makes no remote call",
			other, tenant.Namespace, tenant.Name)), stalled
		return k, o, ctrl.Result{RequeueAfter: jitter(obj.Spec.GetInterval())}, true, nil
	}
	api, err := r.Clients.get(ctx, tenant)
	if err != nil {
		o, res, err := secretOutcome(o, err)
		return k, o, res, true, err
	}
	return kbaAnswers{api: api, vals: vals}, o, ctrl.Result{}, false, nil
}

// resolve lists the tenant's questions and finds the id of every answer's question. Texts are
// looked up in the plain list first, and in the allLanguages form (every locale's text) only
// when a text was not found there.
func (r *MfaKbaAnswersReconciler) resolve(ctx context.Context, obj *mfav1.MfaKbaAnswers, k *kbaAnswers) error {
	questions, err := k.api.GetKbaConfig(ctx, false)
	if err != nil {
		return err
	}
	ids, _ := resolveQuestions(obj.Spec.Answers, questions)
	if missingByText(obj.Spec.Answers, ids) {
		if questions, err = k.api.GetKbaConfig(ctx, true); err != nil {
			return err
		}
		ids, _ = resolveQuestions(obj.Spec.Answers, questions)
	}
	k.questions, k.ids = questions, ids
	return nil
}

func missingQuestions(ids []string, obj *mfav1.MfaKbaAnswers) []string {
	var names []string
	for i, id := range ids {
		if id == "" {
			names = append(names, obj.Spec.Answers[i].QuestionName())
		}
	}
	return names
}

// observedAnswers is Synced in Observe mode. Without a write SailPoint tells only whether
// anyone in the tenant answered a question (GET's hasAnswer is tenant-wide; the identity's own
// view comes only in the answer to a POST), so a missing answer is certain only when nobody
// answered the question. That is reported as DriftDetected; the rest cannot be told apart
// from another identity's answers.
func observedAnswers(obj *mfav1.MfaKbaAnswers, k kbaAnswers) condition {
	if lost := unansweredInTenant(obj.Spec.Answers, k.ids, k.questions); len(lost) > 0 {
		return falseCondition(mfav1.ReasonDriftDetected, fmt.Sprintf(
			"SailPoint has no answer to %s (managementPolicy Observe: not corrected)", strings.Join(lost, ", ")))
	}
	return trueCondition(mfav1.ReasonObserved,
		"Every question exists and has answers in the tenant (managementPolicy Observe; "+
			"SailPoint tells whether they are this identity's answers only in reply to a write)")
}

// apply posts the complete answer set. ok is false when the reconcile ends with the returned
// outcome.
func (r *MfaKbaAnswersReconciler) apply(ctx context.Context, obj, before *mfav1.MfaKbaAnswers, k kbaAnswers, o outcome, changed, lost []string) (_ outcome, _ ctrl.Result, ok bool, _ error) {
	// The finalizer goes on before the first write, once a remote call succeeded, so that
	// deletion can remove what is written.
	if err := setFinalizer(ctx, r.Client, obj, before, true); err != nil {
		return o, ctrl.Result{}, false, err
	}
	resp, err := k.api.SetKbaAnswers(ctx, answerRequest(obj, k.ids, k.vals))
	if err != nil {
		o, res, err := remoteOutcome(o, "set the KBA answers", kbaForbiddenHint(scopeKbaAuthenticate), err, obj.Spec.GetInterval())
		return o, res, false, err
	}
	now := metav1.NewTime(r.now().Truncate(time.Second))
	obj.Status.LastAppliedTime = &now
	obj.Status.Questions = appliedQuestions(resp)
	reason, note := mfav1.EventReasonApplied, fmt.Sprintf("Applied %d KBA answers (changed: %s)", len(k.ids), strings.Join(changed, ", "))
	if len(changed) == 0 {
		reason, note = mfav1.EventReasonDriftCorrected, fmt.Sprintf(
			"Applied %d KBA answers again: SailPoint had no answer to %s", len(k.ids), strings.Join(lost, ", "))
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, eventAction, "%s", note)
	logf.FromContext(ctx).Info("Applied the KBA answers", "questions", k.ids, "why", note)

	if refused := notStored(obj.Spec.Answers, k.ids, resp); len(refused) > 0 {
		// Not recorded as applied, so the next attempt posts again (with backoff).
		list := strings.Join(refused, ", ")
		o.Synced, o.Progress = falseCondition(mfav1.ReasonRemoteError, "SailPoint did not store the answer to "+list), reconciling
		return o, ctrl.Result{}, false, fmt.Errorf("sailpoint did not store the answer to %s", list)
	}
	obj.Status.AppliedGeneration = obj.Generation
	obj.Status.AppliedSecretVersions = secretVersionsByName(k.vals.versions)
	o.Synced = trueCondition(mfav1.ReasonSynced, fmt.Sprintf("Applied %d answers to SailPoint", len(k.ids)))
	// A new apply asks for a new verification.
	o.Check = unknownCondition(mfav1.ReasonVerificationPending, "The answers have not been verified yet")
	return o, ctrl.Result{}, true, nil
}

// verify authenticates with the answers just applied and reports SailPoint's status on
// Verified and in status.lastVerification. Any answer but SUCCESS is Stalled: only a change of
// the spec or a Secret (and so a new apply) makes it verify again.
func (r *MfaKbaAnswersReconciler) verify(ctx context.Context, obj *mfav1.MfaKbaAnswers, k kbaAnswers, o outcome, requeue ctrl.Result) (outcome, ctrl.Result, error) {
	res, err := k.api.AuthenticateKba(ctx, answerRequest(obj, k.ids, k.vals))
	if err != nil {
		failed, result, err := remoteOutcome(outcome{}, "verify the KBA answers", kbaForbiddenHint(scopeKbaAuthenticate), err, obj.Spec.GetInterval())
		o.Check, o.Progress = unknownCondition(mfav1.ReasonVerificationPending, failed.Synced.Message), failed.Progress
		return o, result, err
	}
	check, message := verification(*res)
	obj.Status.LastVerification = &mfav1.VerificationResult{
		Status: mfav1.VerificationStatus(res.Status), Message: message,
		Time: metav1.NewTime(r.now().Truncate(time.Second)),
	}
	o.Check = check
	if check.Status == metav1.ConditionFalse {
		o.Progress = stalled
	}
	logf.FromContext(ctx).Info("Verified the KBA answers", "status", res.Status)
	return o, requeue, nil
}

// kbaForbiddenHint is what a 403 on a KBA endpoint means: the answers are those of the
// identity that owns the tenant credentials, and its token lacks scope.
func kbaForbiddenHint(scope string) string {
	return "The identity that owns the tenant credentials needs the " + scope +
		" scope (or sp:scopes:all) on its personal access token"
}

func (r *MfaKbaAnswersReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// olderOwner returns namespace/name of an older MfaKbaAnswers (creationTimestamp, then
// namespace/name) that sets the answers of the same identity, or "". POST
// /v3/mfa/kba/config/answers replaces the whole set of the identity that owns the credentials,
// so two objects for one identity would overwrite each other. The same identity is: the same
// SailPointTenant, or a tenant with the same baseURL whose status.identityID (known once it
// obtained a token) is the same. Comparing the credentials themselves would mean reading and
// comparing secret values, and two PATs of one identity would still be missed; the identity id
// SailPoint reports is what decides whose answers they are.
func (r *MfaKbaAnswersReconciler) olderOwner(ctx context.Context, obj *mfav1.MfaKbaAnswers, tenant *mfav1.SailPointTenant) (string, error) {
	list := &mfav1.MfaKbaAnswersList{}
	if err := r.List(ctx, list); err != nil {
		return "", err
	}
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == obj.UID || !olderThan(other, obj) || releasedForDeletion(other) {
			continue
		}
		if r.sameIdentity(ctx, other, tenant) {
			return other.Namespace + "/" + other.Name, nil
		}
	}
	return "", nil
}

// releasedForDeletion reports whether an object is being deleted and has nothing left to clean up.
func releasedForDeletion(o metav1.Object) bool {
	return o.GetDeletionTimestamp() != nil && len(o.GetFinalizers()) == 0
}

func (r *MfaKbaAnswersReconciler) sameIdentity(ctx context.Context, other *mfav1.MfaKbaAnswers, tenant *mfav1.SailPointTenant) bool {
	key := types.NamespacedName{Namespace: other.Namespace, Name: other.Spec.TenantRef.Name}
	if key == (types.NamespacedName{Namespace: tenant.Namespace, Name: tenant.Name}) {
		return true
	}
	if tenant.Status.IdentityID == "" {
		return false
	}
	otherTenant := &mfav1.SailPointTenant{}
	if err := r.Get(ctx, key, otherTenant); err != nil {
		return false
	}
	return otherTenant.Status.IdentityID == tenant.Status.IdentityID &&
		normalizeBaseURL(otherTenant.Spec.BaseURL) == normalizeBaseURL(tenant.Spec.BaseURL)
}

// finalize runs the deletion policy: Delete posts an empty answer list, which removes the
// identity's answers; Orphan (and Observe mode, which never writes) leaves them. When the
// tenant or its Secret is gone the object says so and how to get out: set deletionPolicy
// Orphan.
func (r *MfaKbaAnswersReconciler) finalize(ctx context.Context, obj, before *mfav1.MfaKbaAnswers) (outcome, ctrl.Result, error) {
	o := outcome{CheckType: verifiedCheckType(obj), Check: carriedVerification(obj)}
	if !controllerutil.ContainsFinalizer(obj, mfav1.Finalizer) {
		return outcome{}, ctrl.Result{}, nil
	}
	orphan := func(why string) (outcome, ctrl.Result, error) {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, mfav1.EventReasonOrphaned, eventAction,
			"Left the identity's KBA answers in place (%s)", why)
		return outcome{}, ctrl.Result{}, setFinalizer(ctx, r.Client, obj, before, false)
	}
	if obj.Spec.GetDeletionPolicy() == mfav1.DeletionPolicyOrphan {
		return orphan("deletionPolicy Orphan")
	}
	if observeOnly(obj) {
		return orphan("managementPolicy Observe")
	}
	if obj.Spec.Suspend {
		o.Synced = unknownCondition(mfav1.ReasonSuspended,
			"Deletion waits while reconciliation is suspended; unsuspend, or set deletionPolicy: Orphan")
		return o, ctrl.Result{}, nil
	}
	blocked := func(why string) (outcome, ctrl.Result, error) {
		o.Synced, o.Progress = falseCondition(mfav1.ReasonDeletionBlocked, fmt.Sprintf(
			"Cannot remove the identity's KBA answers: %s. Fix that, or set spec.deletionPolicy: Orphan to delete this object and leave the answers",
			why)), stalled
		return o, ctrl.Result{RequeueAfter: jitter(obj.Spec.GetInterval())}, nil
	}
	tenant, cond, _ := readyTenant(ctx, r.Client, obj.Namespace, obj.Spec.TenantRef.Name)
	if tenant == nil {
		return blocked(cond.Message)
	}
	// An object that lost the singleton guard must not remove the answers another one set.
	if other, err := r.olderOwner(ctx, obj, tenant); err != nil {
		return o, ctrl.Result{}, err
	} else if other != "" {
		return orphan("MfaKbaAnswers " + other + " owns them")
	}
	api, err := r.Clients.get(ctx, tenant)
	if err != nil {
		return blocked(err.Error())
	}
	if _, err := api.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{}); err != nil {
		failed, res, err := remoteOutcome(o, "remove the KBA answers", kbaForbiddenHint(scopeKbaAuthenticate), err, obj.Spec.GetInterval())
		if failed.Progress == stalled {
			// Only the user can fix it (403, 400, credentials): say how to let the object go.
			return blocked(strings.TrimPrefix(failed.Synced.Message, "Cannot remove the KBA answers: "))
		}
		return failed, res, err
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, mfav1.EventReasonDeleted, eventAction,
		"Removed the KBA answers of the identity of SailPointTenant %s/%s", tenant.Namespace, tenant.Name)
	logf.FromContext(ctx).Info("Removed the KBA answers")
	return outcome{}, ctrl.Result{}, setFinalizer(ctx, r.Client, obj, before, false)
}

func (r *MfaKbaAnswersReconciler) patchStatus(ctx context.Context, before, after *mfav1.MfaKbaAnswers) error {
	if after.DeletionTimestamp != nil && !controllerutil.ContainsFinalizer(after, mfav1.Finalizer) {
		forgetConditions(kindMfaKbaAnswers, after.Namespace, after.Name)
		return nil
	}
	// answerCount is derived from the spec, for the printer column.
	after.Status.AnswerCount = int32(len(after.Spec.Answers))
	recordConditions(kindMfaKbaAnswers, after.Namespace, after.Name, after.Status.Conditions)
	if equality.Semantic.DeepEqual(before.Status, after.Status) {
		return nil
	}
	announceTransitions(r.Recorder, after, before.Status.Conditions, after.Status.Conditions,
		mfav1.TypeSynced, mfav1.TypeVerified)
	return client.IgnoreNotFound(r.Status().Patch(ctx, after, client.MergeFrom(before)))
}

// SetupWithManager registers the reconciler with its watches: its own objects (spec and
// annotation changes only, so status writes do not loop), referenced Secrets (metadata only),
// tenants becoming ready or changing, and peers whose deletion may end a Conflict.
func (r *MfaKbaAnswersReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&mfav1.MfaKbaAnswers{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesMetadata(secretGVKObject(), handler.EnqueueRequestsFromMapFunc(r.forSecret)).
		Watches(&mfav1.SailPointTenant{}, handler.EnqueueRequestsFromMapFunc(r.forTenant),
			builder.WithPredicates(tenantChangedPredicate())).
		Watches(&mfav1.MfaKbaAnswers{}, handler.EnqueueRequestsFromMapFunc(r.conflictedPeers),
			builder.WithPredicates(peerPredicate(false))).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("mfakbaanswers").
		Complete(r)
}

func (r *MfaKbaAnswersReconciler) forSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &mfav1.MfaKbaAnswersList{}, o.GetNamespace(), indexSecretName, o.GetName())
}

func (r *MfaKbaAnswersReconciler) forTenant(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &mfav1.MfaKbaAnswersList{}, o.GetNamespace(), indexTenantName, o.GetName())
}

// conflictedPeers wakes the objects (any namespace: the same identity may be behind tenants
// in several) that are in Conflict when another goes away, so that the next in line takes
// over without waiting for the interval.
func (r *MfaKbaAnswersReconciler) conflictedPeers(ctx context.Context, o client.Object) []reconcile.Request {
	list := &mfav1.MfaKbaAnswersList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		peer := &list.Items[i]
		if c := peer.Status.GetCondition(mfav1.TypeSynced); peer.UID != o.GetUID() && c != nil && c.Reason == mfav1.ReasonConflict {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(peer)})
		}
	}
	return reqs
}
