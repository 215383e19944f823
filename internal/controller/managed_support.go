package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The helpers of the managed reconcile: references, the finalizer, the cache check, and who
// is the same SailPoint tenant.

// defaultRemoteTimeout bounds the remote work of one reconcile (Options.ReconcileTimeout).
const defaultRemoteTimeout = 30 * time.Second

// tenantGracePeriod is how long a missing or not yet reconciled tenant is waited for quietly
// (Unknown, a Normal event) before it is reported as a problem (False, a Warning).
const tenantGracePeriod = time.Minute

// tenantWait says why there is no Ready tenant to use.
type tenantWait struct {
	// cond is TenantNotReady, with the reason in the message.
	cond condition
	// patience, when positive, is how much longer the tenant is waited for quietly.
	patience time.Duration
	// gone: the tenant does not exist or is being deleted.
	gone bool
	// userMustFix: the tenant is Stalled (its credentials or their Secret).
	userMustFix bool
	// checking: the tenant exists and its first check is under way.
	checking bool
}

// firstCheckSilence is how long a new object whose tenant's first check is under way waits
// for it without writing a status (see managedReconciler.live).
const firstCheckSilence = 30 * time.Second

// readyTenant returns the referenced tenant when it exists and is Ready; otherwise why not.
// When the manager watches only some tenants (sharding), shards (an uncached reader, nil
// otherwise) tells a tenant of another shard from a missing one.
func readyTenant(ctx context.Context, c, shards client.Reader, obj mfav1.Managed) (*mfav1.SailPointTenant, tenantWait) {
	ns, name := obj.GetNamespace(), obj.GetTenantName()
	ref := ns + "/" + name
	// A first sync applies everything at once: an object that has not been synced yet waits
	// quietly for a tenant that does not exist yet, for a while.
	young := time.Duration(0)
	if c := obj.GetCommonStatus().GetCondition(mfav1.TypeSynced); c == nil || (c.Reason == mfav1.ReasonTenantNotReady && c.Status == metav1.ConditionUnknown) {
		young = tenantGracePeriod - time.Since(obj.GetCreationTimestamp().Time)
	}
	tenant := &mfav1.SailPointTenant{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, tenant); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, tenantWait{cond: falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf("Cannot read SailPointTenant %s: %v", ref, err))}
		}
		if otherShard(ctx, shards, ns, name) {
			return nil, tenantWait{cond: falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf(
				"SailPointTenant %s is not watched by this manager (--watch-label-selector): label this object like its tenant, so that one shard has both", ref))}
		}
		return nil, tenantWait{gone: true, patience: young,
			cond: falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf("SailPointTenant %s does not exist", ref))}
	}
	if !tenant.DeletionTimestamp.IsZero() {
		return nil, tenantWait{gone: true, cond: falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf("SailPointTenant %s is being deleted", ref))}
	}
	if tenant.Status.IsReady(tenant.Generation) {
		return tenant, tenantWait{}
	}
	ready := tenant.Status.GetCondition(mfav1.TypeReady)
	if ready == nil || tenant.Status.ObservedGeneration == 0 {
		// Not reconciled yet: it is on its way.
		return nil, tenantWait{patience: max(young, 5*time.Second), checking: true,
			cond: falseCondition(mfav1.ReasonTenantNotReady, fmt.Sprintf("Waiting for SailPointTenant %s to be checked", ref))}
	}
	msg := fmt.Sprintf("SailPointTenant %s is not ready: %s: %s", ref, ready.Reason, strings.TrimSuffix(ready.Message, "."))
	return nil, tenantWait{cond: falseCondition(mfav1.ReasonTenantNotReady, msg),
		userMustFix: tenant.Status.GetCondition(mfav1.TypeStalled) != nil}
}

// otherShard reports whether a tenant the cache does not have exists on the API server, which
// happens when it does not match the manager's label selector.
func otherShard(ctx context.Context, shards client.Reader, ns, name string) bool {
	if shards == nil {
		return false
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(mfav1.GroupVersion.WithKind(kindSailPointTenant))
	return shards.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, m) == nil
}

// setFinalizer adds or removes the finalizer with a patch of metadata only, under an
// optimistic lock so that a stale copy cannot drop another controller's finalizer; a
// conflict is returned (the pass then runs again on the current object). obj keeps its
// status as read. patched says a patch went through: obj was then the current version.
func setFinalizer(ctx context.Context, c client.Client, obj client.Object, add bool) (patched bool, err error) {
	if controllerutil.ContainsFinalizer(obj, mfav1.Finalizer) == add {
		return false, nil
	}
	next := obj.DeepCopyObject().(client.Object)
	if add {
		controllerutil.AddFinalizer(next, mfav1.Finalizer)
	} else {
		controllerutil.RemoveFinalizer(next, mfav1.Finalizer)
	}
	if err := c.Patch(ctx, next, client.MergeFromWithOptions(obj, client.MergeFromWithOptimisticLock{})); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	obj.SetFinalizers(next.GetFinalizers())
	obj.SetResourceVersion(next.GetResourceVersion())
	return true, nil
}

func isConflict(err error) bool { return apierrors.IsConflict(err) }

// cacheCatchUp is how soon a reconcile that found the cache behind the API server runs again.
const cacheCatchUp = 250 * time.Millisecond

// cacheBehind reports whether the API server has a newer version of obj than the cache gave
// this reconcile (typically with the status the previous reconcile wrote, which decides
// whether to write to SailPoint), or no longer has it at all (a deletion that already ran). No
// remote write is made from such a view: the reconcile runs again once the cache caught up.
// It costs one metadata read and runs only before a remote write, never in steady state.
func cacheBehind(ctx context.Context, apiReader client.Reader, obj client.Object, kind string) (bool, error) {
	if apiReader == nil {
		return false, nil
	}
	live := &metav1.PartialObjectMetadata{}
	live.SetGroupVersionKind(mfav1.GroupVersion.WithKind(kind))
	if err := apiReader.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
	return live.ResourceVersion != obj.GetResourceVersion(), nil
}

// olderThan orders objects by creationTimestamp, then namespace/name.
func olderThan(a, b metav1.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a.GetNamespace()+"/"+a.GetName() < b.GetNamespace()+"/"+b.GetName()
}

// releasedForDeletion reports whether an object is being deleted and has nothing left to clean up.
func releasedForDeletion(o metav1.Object) bool {
	return o.GetDeletionTimestamp() != nil && len(o.GetFinalizers()) == 0
}

// sameSailPoint reports whether two SailPointTenants reach the same SailPoint tenant: the same
// tenant_id when both know theirs, else the same normalized base URL.
func sameSailPoint(a, b *mfav1.SailPointTenant) bool {
	if a.Status.TenantID != "" && b.Status.TenantID != "" {
		return a.Status.TenantID == b.Status.TenantID
	}
	return sailpoint.NormalizeBaseURL(a.Spec.BaseURL) == sailpoint.NormalizeBaseURL(b.Spec.BaseURL)
}

// sameSailPointTenants lists the cached SailPointTenants that reach the same SailPoint tenant
// as tenant (sameSailPoint), tenant first, through indexSailPoint: the singleton guards and
// the peer wake-ups look only at those tenants' objects, never at every object of a kind.
// The tenants returned are the cache's own: read them, do not change them.
func sameSailPointTenants(ctx context.Context, c client.Reader, tenant *mfav1.SailPointTenant) ([]*mfav1.SailPointTenant, error) {
	out := []*mfav1.SailPointTenant{tenant}
	seen := map[types.NamespacedName]bool{client.ObjectKeyFromObject(tenant): true}
	for _, key := range sailPointKeys(tenant) {
		list := &mfav1.SailPointTenantList{}
		if err := c.List(ctx, list, client.MatchingFields{indexSailPoint: key}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		for i := range list.Items {
			t := &list.Items[i]
			if k := client.ObjectKeyFromObject(t); !seen[k] && sameSailPoint(t, tenant) {
				seen[k] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// oldestPeer is the oldest of candidates that is older than obj and not released for
// deletion, as namespace/name, or "" when there is none: the object that owns the remote
// state obj would share. The oldest, so that the Conflict message names the same owner on
// every pass.
func oldestPeer[T metav1.Object](obj metav1.Object, candidates []T) string {
	var best metav1.Object
	for _, other := range candidates {
		if other.GetUID() == obj.GetUID() || !olderThan(other, obj) || releasedForDeletion(other) {
			continue
		}
		if best == nil || olderThan(other, best) {
			best = other
		}
	}
	if best == nil {
		return ""
	}
	return best.GetNamespace() + "/" + best.GetName()
}

// sailPointKeys are the index values under which a tenant is found by others of the same
// SailPoint tenant: its normalized base URL, and its tenant_id when known.
func sailPointKeys(t *mfav1.SailPointTenant) []string {
	keys := []string{"url:" + sailpoint.NormalizeBaseURL(t.Spec.BaseURL)}
	if t.Status.TenantID != "" {
		keys = append(keys, "id:"+t.Status.TenantID)
	}
	return keys
}
