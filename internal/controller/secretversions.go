package controller

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// secretVersions follows the resourceVersions of the Secrets in use: those the operator's
// objects reference (through indexSecretName) and those it has read. A reflector watches the
// metadata of every Secret, as an informer would, but this store keeps only the Secrets in
// use: an informer's cache holds every Secret of the watched namespaces (Helm keeps one per
// release, so clusters have thousands; 10,000 unrelated Secrets made the manager's RSS 1.38×),
// this one a map entry per Secret in use. A change of a Secret in use wakes the objects that
// use it. What it does not know (a Secret not yet in use) is read from the API server.
type secretVersions struct {
	// inUse reports whether an object references the Secret.
	inUse func(ctx context.Context, key types.NamespacedName) bool

	mu          sync.Mutex
	versions    map[types.NamespacedName]string
	subscribers []func(types.NamespacedName)
	ctx         context.Context // of the running reflectors, for inUse
}

func newSecretVersions(inUse func(context.Context, types.NamespacedName) bool) *secretVersions {
	return &secretVersions{inUse: inUse, versions: map[types.NamespacedName]string{}, ctx: context.Background()}
}

// version returns the resourceVersion of a Secret in use, if known.
func (s *secretVersions) version(key types.NamespacedName) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rv, ok := s.versions[key]
	return rv, ok
}

// observe records the version of a Secret just read from the API server, unless the watch has
// already told a version (which is then as new or newer).
func (s *secretVersions) observe(key types.NamespacedName, rv string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.versions[key]; !ok {
		s.versions[key] = rv
	}
}

// subscribe calls wake with every Secret in use that was created, changed or deleted.
func (s *secretVersions) subscribe(wake func(types.NamespacedName)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribers = append(s.subscribers, wake)
}

// source turns the changes of Secrets in use into reconcile requests, through mapFn (as a
// metadata watch of Secrets would, with a PartialObjectMetadata that has only the name).
func (s *secretVersions) source(mapFn func(context.Context, client.Object) []reconcile.Request) source.Source {
	return source.Func(func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		s.subscribe(func(key types.NamespacedName) {
			obj := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
			obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
			for _, r := range mapFn(ctx, obj) {
				q.Add(r)
			}
		})
		return nil
	})
}

func (s *secretVersions) wake(keys ...types.NamespacedName) {
	s.mu.Lock()
	subs := append([]func(types.NamespacedName){}, s.subscribers...)
	s.mu.Unlock()
	for _, key := range keys {
		for _, wake := range subs {
			wake(key)
		}
	}
}

func metaKey(obj any) (types.NamespacedName, string, bool) {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return types.NamespacedName{}, "", false
	}
	return types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()}, m.GetResourceVersion(), true
}

// reflectorStore is the store of the reflector of one namespace ("" for all) over s.
type reflectorStore struct {
	s         *secretVersions
	namespace string
}

func (r reflectorStore) Add(obj any) error    { return r.s.set(obj, false) }
func (r reflectorStore) Update(obj any) error { return r.s.set(obj, false) }
func (r reflectorStore) Delete(obj any) error { return r.s.set(obj, true) }
func (r reflectorStore) Resync() error        { return nil }
func (r reflectorStore) Replace(list []any, _ string) error {
	r.s.replace(r.namespace, list)
	return nil
}

// set records a Secret's new version (or its deletion) when it is in use, and wakes its objects.
func (s *secretVersions) set(obj any, deleted bool) error {
	key, rv, ok := metaKey(obj)
	if !ok {
		return nil
	}
	if _, known := s.version(key); !known && !s.inUse(s.runCtx(), key) {
		return nil
	}
	s.mu.Lock()
	if deleted {
		delete(s.versions, key)
	} else {
		s.versions[key] = rv
	}
	s.mu.Unlock()
	s.wake(key)
	return nil
}

// replace takes a full list of the Secrets of namespace ("" for all): it replaces what was
// known of them, and every Secret in use that appeared, changed or went wakes its objects.
func (s *secretVersions) replace(namespace string, list []any) {
	listed := make(map[types.NamespacedName]string, len(list))
	for _, obj := range list {
		if key, rv, ok := metaKey(obj); ok {
			listed[key] = rv
		}
	}
	s.mu.Lock()
	known := make(map[types.NamespacedName]string, len(s.versions))
	for k, v := range s.versions {
		if namespace == "" || k.Namespace == namespace {
			known[k] = v
		}
	}
	s.mu.Unlock()

	var changed []types.NamespacedName
	next := map[types.NamespacedName]string{}
	for key, rv := range listed {
		old, was := known[key]
		if !was && !s.inUse(s.runCtx(), key) {
			continue
		}
		next[key] = rv
		if !was || old != rv {
			changed = append(changed, key)
		}
	}
	s.mu.Lock()
	for key := range known {
		if _, ok := listed[key]; !ok {
			delete(s.versions, key)
			changed = append(changed, key)
		}
	}
	for key, rv := range next {
		s.versions[key] = rv
	}
	s.mu.Unlock()
	s.wake(changed...)
}

func (s *secretVersions) runCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// reflectors watch the metadata of the Secrets of namespaces (all when empty) into s.
type secretReflectors struct {
	store      *secretVersions
	client     metadata.Interface
	namespaces []string
}

// NeedLeaderElection is false: a standby replica keeps its view of Secrets warm too.
func (r secretReflectors) NeedLeaderElection() bool { return false }

func (r secretReflectors) Start(ctx context.Context) error {
	r.store.mu.Lock()
	r.store.ctx = ctx
	r.store.mu.Unlock()
	namespaces := r.namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	secrets := r.client.Resource(corev1.SchemeGroupVersion.WithResource("secrets"))
	var wg sync.WaitGroup
	for _, ns := range namespaces {
		lw := &toolscache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return secrets.Namespace(ns).List(ctx, opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return secrets.Namespace(ns).Watch(ctx, opts)
			},
		}
		reflector := toolscache.NewReflectorWithOptions(lw, &metav1.PartialObjectMetadata{}, reflectorStore{s: r.store, namespace: ns},
			toolscache.ReflectorOptions{Name: "secrets in use (" + namespaceLabel(ns) + ")"})
		wg.Go(func() { reflector.RunWithContext(ctx) })
	}
	wg.Wait()
	return nil
}

func namespaceLabel(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return ns
}

// secretInUse reports whether a SailPointTenant, MfaProviderConfig or MfaKbaAnswers in the
// Secret's namespace references it; on an error, that it does (keeping a version is safe).
func secretInUse(c client.Reader) func(context.Context, types.NamespacedName) bool {
	return func(ctx context.Context, key types.NamespacedName) bool {
		for _, list := range []client.ObjectList{&mfav1.SailPointTenantList{}, &mfav1.MfaProviderConfigList{}, &mfav1.MfaKbaAnswersList{}} {
			err := c.List(ctx, list, client.InNamespace(key.Namespace), client.MatchingFields{indexSecretName: key.Name},
				client.UnsafeDisableDeepCopy)
			if err != nil || meta.LenList(list) > 0 {
				return true
			}
		}
		return false
	}
}
