package controller

import (
	"cmp"
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The managed seam, in the spirit of crossplane-runtime's managed reconciler: each kind that
// manages remote state says how to observe, apply, check and delete it (an external), and what
// its status is made of; one generic reconcile, below, says when, in the contract's order. Both
// kinds behave the same in the same situation because the order is written once.

// external talks to SailPoint about one object, within one reconcile.
type external interface {
	// Observe reads the remote state and compares it with the desired one.
	Observe(ctx context.Context) (observation, error)
	// Apply writes the desired state. It is called only in Manage mode, when Observe found
	// the remote state not up to date.
	Apply(ctx context.Context, obs observation) (applyResult, error)
	// Check proves that the applied state works: the provider test, or the KBA authenticate.
	Check(ctx context.Context) (checkResult, error)
	// Delete runs the deletion policy's remote call (Delete or Disable) and says what it did.
	Delete(ctx context.Context, policy mfav1.DeletionPolicy) (string, error)
}

// observation is what Observe found.
type observation struct {
	// UpToDate is true when nothing asks for a write.
	UpToDate bool
	// Diff names what differs (fields, "Secret x"), never values.
	Diff []string
	// Synced is the Synced condition when nothing is written: in sync, Observed, or
	// DriftDetected (Observe mode).
	Synced condition
	// Problem, when set, ends the reconcile without a write: something only the user can fix
	// was found on the remote side (a question that does not exist).
	Problem *condition
	// Questions is the KBA question list to show, when the kind shows one.
	Questions []mfav1.KbaQuestionStatus
}

// applyResult is what Apply did.
type applyResult struct {
	// Synced is the Synced condition after the write.
	Synced condition
	// Event is the action event of the write (Applied or DriftCorrected).
	Event action
	// SecretVersions are the resourceVersions of the Secrets the write used.
	SecretVersions map[string]string
	// Questions is the KBA question list as the write left it, when the kind shows one.
	Questions []mfav1.KbaQuestionStatus
}

// checkResult is what Check found.
type checkResult struct {
	// Condition is the check's condition (Tested or Verified).
	Condition condition
	// State and Message are SailPoint's answer, for status.lastTest or lastVerification.
	State, Message string
}

// action is a Normal event for something the operator did (Applied, Deleted, ...).
type action struct{ Reason, Note string }

// managedKind is what the generic reconcile needs to know about a kind.
type managedKind[T mfav1.Managed] interface {
	newObject() T
	newList() client.ObjectList
	kindName() string
	// peerMatters reports whether a peer's creation or deletion can change other's Conflict.
	peerMatters(peer, other client.Object) bool
	// secretRefs are the Secret keys the live reconcile reads.
	secretRefs(obj T) []mfav1.SecretKeySelector
	// deletionSecretRefs are the Secret keys the deletion policy needs (Disable: the keys).
	deletionSecretRefs(obj T) []mfav1.SecretKeySelector
	// validate finds what is wrong before any remote call (Stalled), or nil.
	validate(obj T, vals secretValues) *condition
	// owner names an older object that manages the same remote state (singleton guard).
	owner(ctx context.Context, obj T, tenant *mfav1.SailPointTenant) (string, error)
	conflictMessage(obj T, tenant *mfav1.SailPointTenant, other string) string
	// connect builds the external of obj for this reconcile.
	connect(obj T, tenant *mfav1.SailPointTenant, api sailpoint.API, vals secretValues) external
	// describe names what a step does, for messages ("read the okta-verify configuration").
	describe(obj T, s step) string
	// forbiddenHint says what a 403 on a step means.
	forbiddenHint(s step) string
	// checkType is the check's condition type, "" when the object has no check.
	checkType(obj T) string
	// checkPlan says whether the check is due; skip is the check's condition when it is
	// deliberately not run (a disabled method).
	checkPlan(obj T, applied bool, now time.Time) (due bool, skip *condition)
	// checkWrites is true when a check counts against the identity (authenticate), so that
	// it is not repeated from a stale view either.
	checkWrites() bool
	readyMessage(obj T) string
	// nextStatus computes the kind's own status fields from the pass (pure).
	nextStatus(obj T, p *pass)
}

// step is one remote step of the reconcile.
type step int

const (
	stepObserve step = iota
	stepApply
	stepCheck
	stepDelete
)

// What every managed kind reads: its tenant, the Secrets it references; and the events it emits.
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=sailpointtenants,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// managedReconcilerBase is what the managed reconcile uses whatever the kind.
type managedReconcilerBase struct {
	client.Client
	// APIReader reads from the API server without the cache (see cacheBehind).
	APIReader client.Reader
	// Shards reads tenants the cache does not have, when the manager watches only some
	// (--watch-label-selector); nil otherwise.
	Shards   client.Reader
	Clients  *TenantClients
	Recorder events.EventRecorder
	// RemoteTimeout bounds the remote work of one reconcile as a whole.
	RemoteTimeout time.Duration
	// writes keeps a pass from starting on a view older than the reconciler's own writes.
	writes *ownWrites
	// SecretChanges tells which Secrets in use changed.
	SecretChanges *secretVersions
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// managedReconciler is the generic reconcile of a managed kind.
type managedReconciler[T mfav1.Managed] struct {
	managedReconcilerBase
	kind managedKind[T]
}

func (m *managedReconciler[T]) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Reconcile gets the object, runs the live steps or the deletion, and writes the status that
// follows from what they found, once.
func (m *managedReconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := m.kind.newObject()
	if err := m.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			m.writes.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	start := obj.GetResourceVersion()
	if m.writes.behind(req.NamespacedName, start) {
		// The cache has not yet delivered this reconciler's own last write: the watch event
		// that does brings the object back (ownWrites.caughtUp); the requeue is a fallback.
		return ctrl.Result{RequeueAfter: cacheCatchUp}, nil
	}
	remoteCtx, cancel := context.WithTimeout(ctx, cmp.Or(m.RemoteTimeout, defaultRemoteTimeout))
	defer cancel()

	var p *pass
	if obj.GetDeletionTimestamp().IsZero() {
		p = m.live(remoteCtx, obj)
	} else {
		p = m.finalize(remoteCtx, obj)
	}
	if p.skipped {
		m.writes.wrote(req.NamespacedName, obj.GetResourceVersion(), start)
		// Nothing was done (the cache was behind, or a new object waits for its tenant's
		// first check), so nothing is reported, not even the requestedAt echo, until a pass
		// runs on the current object.
		return p.result, p.err
	}
	beforeStatus := obj.GetResourceVersion() // differs from start once the finalizer was patched
	err := m.writeStatus(ctx, obj, p)
	m.writes.wrote(req.NamespacedName, obj.GetResourceVersion(), start, beforeStatus)
	return p.result, errors.Join(p.err, err)
}

// live runs the contract's steps for an object that is not being deleted.
func (m *managedReconciler[T]) live(ctx context.Context, obj T) *pass {
	p := m.newPass(obj)
	spec := obj.GetManagedSpec()
	interval := spec.GetInterval()

	// 1. Suspended: no remote call at all.
	if spec.Suspend {
		return p.settle(unknownCondition(mfav1.ReasonSuspended, "Reconciliation is suspended (spec.suspend)"), settled)
	}
	// 2. References: the tenant and the Secrets. Missing ones are conditions; watches bring
	// the object back when they appear.
	tenant, waiting := readyTenant(ctx, m.Client, m.Shards, obj)
	if tenant == nil {
		if waiting.checking && len(obj.GetConditions()) == 0 && time.Since(obj.GetCreationTimestamp().Time) < firstCheckSilence {
			// Created with its tenant, whose first check is under way: the check's outcome
			// (the tenant's Ready, on the tenant watch) wakes this object within seconds, and a
			// status saying "waiting" in between would be one more API write for each object of
			// a first sync. The requeue is a fallback.
			p.skipped, p.result = true, ctrl.Result{RequeueAfter: 5 * time.Second}
			return p
		}
		return p.waitForTenant(waiting)
	}
	vals, err := m.Clients.secrets.read(ctx, obj.GetNamespace(), m.kind.secretRefs(obj)...)
	if err != nil {
		return p.secretFailure(err)
	}
	p.redact = vals.redactor()
	if problem := m.kind.validate(obj, vals); problem != nil {
		return p.settle(*problem, stalled)
	}
	// 3. Singleton guard: one object per remote state.
	if other, err := m.kind.owner(ctx, obj, tenant); err != nil {
		return p.fail(err)
	} else if other != "" {
		p.settle(falseCondition(mfav1.ReasonConflict, m.kind.conflictMessage(obj, tenant, other)), stalled)
		return p.requeue(jitter(interval))
	}
	api, err := m.Clients.get(ctx, tenant)
	if err != nil {
		return p.secretFailure(err)
	}
	ext := m.kind.connect(obj, tenant, api, vals)

	// 4. Observe.
	obs, err := ext.Observe(ctx)
	if err != nil {
		return p.remoteFailure(m.kind.describe(obj, stepObserve), m.kind.forbiddenHint(stepObserve), err, interval)
	}
	p.observed = &obs
	if obs.Problem != nil {
		p.settle(*obs.Problem, stalled)
		return p.requeue(jitter(interval))
	}
	manage := spec.GetManagementPolicy() == mfav1.ManagementPolicyManage
	current := false
	if manage {
		// The finalizer goes on once a remote call succeeded, so that deletion can clean up.
		// Its patch is under an optimistic lock: when it goes through, obj is current.
		if current, err = setFinalizer(ctx, m.Client, obj, true); err != nil {
			return p.fail(err)
		}
	}

	// 5. Apply only when something differs; in Observe mode report the difference instead.
	p.Synced = obs.Synced
	if manage && !obs.UpToDate {
		if !current {
			if behind, err := cacheBehind(ctx, m.APIReader, obj, m.kind.kindName()); err != nil || behind {
				return p.skip(err)
			}
		}
		res, err := ext.Apply(ctx, obs)
		if err != nil {
			return p.remoteFailure(m.kind.describe(obj, stepApply), m.kind.forbiddenHint(stepApply), err, interval)
		}
		p.applied = &res
		p.Synced = res.Synced
		p.actions = append(p.actions, res.Event)
	}

	// 6. Check, after each apply and when due.
	if p.CheckType != "" && !m.check(ctx, obj, ext, p) {
		return p
	}
	// 7. Requeue for drift detection and the next check.
	return p.requeue(jitter(interval))
}

// check runs the check when it is due, and reports false when that ended the pass.
func (m *managedReconciler[T]) check(ctx context.Context, obj T, ext external, p *pass) bool {
	due, skip := m.kind.checkPlan(obj, p.applied != nil, p.now)
	switch {
	case skip != nil:
		p.Check = *skip
	case due:
		if m.kind.checkWrites() && p.applied == nil {
			if behind, err := cacheBehind(ctx, m.APIReader, obj, m.kind.kindName()); err != nil || behind {
				p.skip(err)
				return false
			}
		}
		res, err := ext.Check(ctx)
		if err != nil {
			p.checkFailure(m.kind.describe(obj, stepCheck), m.kind.forbiddenHint(stepCheck), err, obj.GetManagedSpec().GetInterval())
			return false
		}
		p.checked = &res
		p.Check = res.Condition
	}
	if p.Check.Status == metav1.ConditionFalse {
		p.Progress = stalled
	}
	return true
}

// finalize runs the deletion policy. Transient errors are retried with backoff; only what the
// user must fix is DeletionBlocked, whose message says the way out: deletionPolicy Orphan.
func (m *managedReconciler[T]) finalize(ctx context.Context, obj T) *pass {
	p := m.newPass(obj)
	if !controllerutil.ContainsFinalizer(obj, mfav1.Finalizer) {
		p.released = true
		return p
	}
	spec := obj.GetManagedSpec()
	policy := spec.GetDeletionPolicy()
	release := func(a action) *pass {
		if _, err := setFinalizer(ctx, m.Client, obj, false); err != nil {
			return p.fail(err)
		}
		p.actions = append(p.actions, a)
		p.released = true
		return p
	}
	switch {
	case policy == mfav1.DeletionPolicyOrphan:
		return release(action{mfav1.EventReasonOrphaned, "Left the remote state in place (deletionPolicy Orphan)"})
	case spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve:
		return release(action{mfav1.EventReasonOrphaned, "Left the remote state in place (managementPolicy Observe never writes)"})
	case spec.Suspend:
		return p.settle(unknownCondition(mfav1.ReasonSuspended,
			"Deletion waits while reconciliation is suspended; unsuspend, or set spec.deletionPolicy: Orphan"), settled)
	}
	tenant, waiting := readyTenant(ctx, m.Client, m.Shards, obj)
	if tenant == nil {
		if waiting.gone || waiting.userMustFix {
			return p.deletionBlocked(waiting.cond.Message)
		}
		return p.deletionRetry(waiting.cond.Message, 0, nil)
	}
	if other, err := m.kind.owner(ctx, obj, tenant); err != nil {
		return p.fail(err)
	} else if other != "" {
		// What an older object manages is not this one's to delete.
		return release(action{mfav1.EventReasonOrphaned, "Left the remote state in place: " + other + " manages it"})
	}
	vals, err := m.Clients.secrets.read(ctx, obj.GetNamespace(), m.kind.deletionSecretRefs(obj)...)
	if err == nil {
		p.redact = vals.redactor()
		var api sailpoint.API
		if api, err = m.Clients.get(ctx, tenant); err == nil {
			if behind, berr := cacheBehind(ctx, m.APIReader, obj, m.kind.kindName()); berr != nil || behind {
				return p.skip(berr)
			}
			var note string
			if note, err = m.kind.connect(obj, tenant, api, vals).Delete(ctx, policy); err == nil {
				logf.FromContext(ctx).Info("Ran the deletion policy", "policy", policy)
				return release(action{mfav1.EventReasonDeleted, note})
			}
			f := classify(m.kind.describe(obj, stepDelete), m.kind.forbiddenHint(stepDelete), err)
			if f.progress == stalled {
				return p.deletionBlocked(f.cond.Message)
			}
			return p.deletionRetry(f.cond.Message, f.result.RequeueAfter, err)
		}
	}
	if errors.Is(err, errSecretNotFound) {
		return p.deletionBlocked(err.Error())
	}
	return p.deletionRetry(err.Error(), 0, err)
}

// writeStatus computes the status from the pass, patches it when it changed, and emits the
// events of the pass: its actions and one per change of a condition.
func (m *managedReconciler[T]) writeStatus(ctx context.Context, obj T, p *pass) error {
	if p.released {
		m.emit(obj, p, nil, nil)
		return nil
	}
	before := obj.DeepCopyObject().(T)
	p.commonStatus(obj, m.kind.readyMessage(obj))
	m.kind.nextStatus(obj, p)
	m.emit(obj, p, before.GetConditions(), obj.GetConditions())
	if equality.Semantic.DeepEqual(before, obj) {
		return nil
	}
	return client.IgnoreNotFound(m.Status().Patch(ctx, obj, client.MergeFrom(before)))
}

// emit is the one place events are emitted: the pass's actions, then the changes of state.
func (m *managedReconciler[T]) emit(obj T, p *pass, before, after []metav1.Condition) {
	for _, a := range p.actions {
		m.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, a.Reason, eventAction, "%s", p.redact(a.Note))
	}
	if after == nil {
		return
	}
	announceTransitions(m.Recorder, obj, before, after, mfav1.TypeSynced, p.CheckType)
	// Synced becoming True is announced by the action that made it so; without one (a
	// transient error cleared by itself), one Normal event says it is back.
	was, now := meta.FindStatusCondition(before, mfav1.TypeSynced), meta.FindStatusCondition(after, mfav1.TypeSynced)
	if len(p.actions) == 0 && was != nil && was.Status == metav1.ConditionFalse && now != nil && now.Status == metav1.ConditionTrue {
		m.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, now.Reason, eventAction, "%s", now.Message)
	}
}
