package controller

import (
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// ownWrites (nil: none kept) remembers, per object, the resourceVersions that the reconciler's own last writes
// (the finalizer, the status) replaced, until the cache has moved past them. A pass woken
// before the watch delivered those writes (a tenant turning Ready right after the object's
// first status, under load) would otherwise start from the old view and spend a SailPoint
// GET before finding out; with this it waits, at no remote or API cost, for the watch event
// of its own write, which the predicate lets through. This is the "expectations" of
// Kubernetes' own controllers, kept to the versions a write made stale: resourceVersions are
// opaque, so only equality is used.
type ownWrites struct {
	mu    sync.Mutex
	stale map[types.NamespacedName]*staleVersions
}

type staleVersions struct {
	versions []string
	waiting  bool // a pass found the cache behind and waits for the watch
}

func newOwnWrites() *ownWrites { return &ownWrites{stale: map[types.NamespacedName]*staleVersions{}} }

// wrote records that the object's version is now current and that replaced are stale.
func (w *ownWrites) wrote(key types.NamespacedName, current string, replaced ...string) {
	var stale []string
	for _, rv := range replaced {
		if rv != "" && rv != current && !slices.Contains(stale, rv) {
			stale = append(stale, rv)
		}
	}
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(stale) == 0 {
		delete(w.stale, key)
		return
	}
	w.stale[key] = &staleVersions{versions: stale}
}

// behind reports whether rv, the version the cache gave a pass, is one the reconciler's own
// writes replaced; once it is not, the object is forgotten.
func (w *ownWrites) behind(key types.NamespacedName, rv string) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	stale, ok := w.stale[key]
	if !ok {
		return false
	}
	if slices.Contains(stale.versions, rv) {
		stale.waiting = true
		return true
	}
	delete(w.stale, key)
	return false
}

// forget drops an object that is gone.
func (w *ownWrites) forget(key types.NamespacedName) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.stale, key)
}

// caughtUp passes the update that moves the cache off a version the reconciler's own writes
// replaced, when a pass found the cache behind: it runs again as soon as it is not. Without
// such a pass the update wakes nothing, like every status write.
func (w *ownWrites) caughtUp() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			if w == nil {
				return false
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			stale, ok := w.stale[client.ObjectKeyFromObject(e.ObjectOld)]
			return ok && stale.waiting && slices.Contains(stale.versions, e.ObjectOld.GetResourceVersion())
		},
	}
}
