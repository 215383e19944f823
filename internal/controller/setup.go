package controller

import (
	"cmp"
	"context"
	"time"

	"k8s.io/client-go/metadata"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// Options configure the reconcilers.
type Options struct {
	// MaxConcurrentReconciles is per kind; default DefaultMaxConcurrentReconciles.
	MaxConcurrentReconciles int
	// ReconcileTimeout bounds the remote work of one reconcile as a whole (the manager's
	// --reconcile-timeout, default 30s), so a tenant that never answers does not hold a
	// worker; zero means the default.
	ReconcileTimeout time.Duration
	// Sharded is true when the manager watches only the objects matching a label selector
	// (--watch-label-selector), so that a tenant missing from the cache may be in another
	// shard.
	Sharded bool
	// NewAPI builds SailPoint clients; the real client when nil.
	NewAPI NewAPIFunc
	// Namespaces are the namespaces watched (--watch-namespace); all when empty. Secrets are
	// followed in these only.
	Namespaces []string
}

// DefaultMaxConcurrentReconciles is the default number of workers per kind. The work is
// I/O-bound (SailPoint calls and API-server writes, tens of milliseconds to seconds each), so
// workers spend nearly all their time waiting: an idle one is a parked goroutine, and
// SailPoint's own limit is kept by the per-tenant limiter, not by the number of workers.
// Measured (docs/performance.md): with 16, 40 configs on tenants answering in 2 s took 2.5×
// their tenant's chain, as each waiting reconcile held a worker; with 64, 1.09×, and the
// 1,000-config burst as fast as with 16.
const DefaultMaxConcurrentReconciles = 64

// eventRecorderName is the reportingController of the events the operator emits.
const eventRecorderName = "sailpoint-mfa-operator"

// Setup registers the field indexes and every reconciler with mgr. The reconcilers share one
// SailPoint client per tenant.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	workers := cmp.Or(opts.MaxConcurrentReconciles, DefaultMaxConcurrentReconciles)
	if err := SetupIndexes(ctx, mgr); err != nil {
		return err
	}
	resourceConditions.use(mgr.GetCache(), mgr.Elected())
	clients := NewTenantClients(opts.NewAPI)
	secretChanges := newSecretVersions(secretInUse(mgr.GetClient()))
	metaClient, err := metadata.NewForConfig(mgr.GetConfig())
	if err != nil {
		return err
	}
	if err := mgr.Add(secretReflectors{store: secretChanges, client: metaClient, namespaces: opts.Namespaces}); err != nil {
		return err
	}
	clients.secrets = secretReader{versions: secretChanges, direct: mgr.GetAPIReader(), data: newSecretData()}
	recorder := mgr.GetEventRecorder(eventRecorderName)
	clients.signals = tenantSignals{recorder: recorder, wake: make(chan event.GenericEvent, 64)}

	if err := (&SailPointTenantReconciler{
		Client: mgr.GetClient(), Clients: clients, Recorder: recorder, MaxConcurrentReconciles: workers, SecretChanges: secretChanges,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	var shards client.Reader
	if opts.Sharded {
		shards = mgr.GetAPIReader()
	}
	frame := func() managedReconcilerBase {
		return managedReconcilerBase{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Shards: shards,
			Clients: clients, Recorder: recorder, RemoteTimeout: opts.ReconcileTimeout, writes: newOwnWrites(),
			SecretChanges: secretChanges}
	}
	provider := &MfaProviderConfigReconciler{managedReconciler[*mfav1.MfaProviderConfig]{managedReconcilerBase: frame(), kind: providerKind{c: mgr.GetClient()}}}
	if err := provider.setup(mgr, "mfaproviderconfig", workers); err != nil {
		return err
	}
	kba := &MfaKbaAnswersReconciler{managedReconciler[*mfav1.MfaKbaAnswers]{managedReconcilerBase: frame(), kind: kbaKind{c: mgr.GetClient()}}}
	return kba.setup(mgr, "mfakbaanswers", workers)
}
