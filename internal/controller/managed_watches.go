package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// What wakes a managed object: its own spec and annotation changes (not status writes, so
// they do not loop), the Secrets it references and the credentials Secret of its tenant, its
// tenant becoming Ready or changing, and a peer whose creation or deletion may start or end a
// Conflict with it. Each is found through an index, so an event wakes only the objects it can
// affect.

func (m *managedReconciler[T]) setup(mgr ctrl.Manager, name string, maxConcurrent int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(m.kind.newObject(), builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, m.writes.caughtUp()))).
		WatchesRawSource(m.SecretChanges.source(m.forSecret)).
		Watches(&mfav1.SailPointTenant{}, handler.EnqueueRequestsFromMapFunc(m.forTenant),
			builder.WithPredicates(tenantChangedPredicate())).
		Watches(m.kind.newObject(), handler.EnqueueRequestsFromMapFunc(m.forPeer),
			builder.WithPredicates(peerPredicate())).
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Named(name).
		Complete(m)
}

// forSecret wakes the objects that reference a Secret, and those whose tenant's credentials
// it holds: new credentials may fix a Forbidden or Unauthorized at once.
func (m *managedReconciler[T]) forSecret(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := requestsFor(ctx, m.Client, m.kind.newList(), o.GetNamespace(), indexSecretName, o.GetName())
	tenants := &mfav1.SailPointTenantList{}
	if err := m.List(ctx, tenants, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexSecretName: o.GetName()}); err != nil {
		return reqs
	}
	for i := range tenants.Items {
		reqs = append(reqs, m.forTenant(ctx, &tenants.Items[i])...)
	}
	return reqs
}

func (m *managedReconciler[T]) forTenant(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, m.Client, m.kind.newList(), o.GetNamespace(), indexTenantName, o.GetName())
}

// forPeer wakes the objects that a peer's creation or deletion can put into or out of a
// Conflict: those of the same kind (and method) on tenants of the same SailPoint tenant.
func (m *managedReconciler[T]) forPeer(ctx context.Context, o client.Object) []reconcile.Request {
	peer, ok := o.(mfav1.Managed)
	if !ok {
		return nil
	}
	tenant := peerTenant(ctx, m.Client, peer)
	if tenant == nil {
		return nil
	}
	tenants, err := sameSailPointTenants(ctx, m.Client, tenant)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Unable to list the tenants of a peer's SailPoint tenant")
		return nil
	}
	var reqs []reconcile.Request
	seen := map[types.NamespacedName]bool{}
	for _, t := range tenants {
		for _, r := range m.forTenant(ctx, t) {
			if seen[r.NamespacedName] || r.NamespacedName == client.ObjectKeyFromObject(o) {
				continue
			}
			other := m.kind.newObject()
			if m.Get(ctx, r.NamespacedName, other) == nil && m.kind.peerMatters(o, other) {
				seen[r.NamespacedName] = true
				reqs = append(reqs, r)
			}
		}
	}
	return reqs
}

// peerTenant is the SailPointTenant an object references, from the cache, or nil.
func peerTenant(ctx context.Context, c client.Reader, obj mfav1.Managed) *mfav1.SailPointTenant {
	t := &mfav1.SailPointTenant{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetTenantName()}, t); err != nil {
		return nil
	}
	return t
}

// peerPredicate passes the events of a peer that may start or end another's Conflict: its
// creation, its deletion, and the update that removes its last finalizer.
func peerPredicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return true },
		UpdateFunc:  func(e event.UpdateEvent) bool { return releasedForDeletion(e.ObjectNew) },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// tenantChangedPredicate passes tenant events that matter to dependents: creation, deletion,
// a spec change, a change of Ready, or of the identity or SailPoint tenant its credentials
// belong to; not the token expiry a tenant records on refresh.
func tenantChangedPredicate() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldT, ok1 := e.ObjectOld.(*mfav1.SailPointTenant)
			newT, ok2 := e.ObjectNew.(*mfav1.SailPointTenant)
			if !ok1 || !ok2 {
				return true
			}
			return oldT.Generation != newT.Generation ||
				oldT.Status.IsReady(oldT.Generation) != newT.Status.IsReady(newT.Generation) ||
				oldT.Status.IdentityID != newT.Status.IdentityID || oldT.Status.TenantID != newT.Status.TenantID
		},
	}
}
