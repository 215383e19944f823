package controller

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

// Options configure the reconcilers.
type Options struct {
	// MaxConcurrentReconciles is per kind; default 4.
	MaxConcurrentReconciles int
	// ReconcileTimeout bounds the remote work of one reconcile as a whole (the manager's
	// --reconcile-timeout, default 30s), so a tenant that never answers does not hold a
	// worker; zero means the default.
	ReconcileTimeout time.Duration
	// NewAPI builds SailPoint clients; the real client when nil.
	NewAPI NewAPIFunc
}

// eventRecorderName is the reportingController of the events the operator emits.
const eventRecorderName = "sailpoint-mfa-operator"

// Setup registers the field indexes and every reconciler with mgr. The reconcilers share one
// SailPoint client per tenant.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if opts.MaxConcurrentReconciles < 1 {
		opts.MaxConcurrentReconciles = 4
	}
	if err := SetupIndexes(ctx, mgr); err != nil {
		return err
	}
	clients := NewTenantClients(opts.NewAPI)
	clients.secrets = secretReader{cached: mgr.GetClient(), direct: mgr.GetAPIReader()}
	recorder := mgr.GetEventRecorder(eventRecorderName)

	if err := (&SailPointTenantReconciler{
		Client: mgr.GetClient(), Clients: clients, Recorder: recorder,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&MfaProviderConfigReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clients: clients, Recorder: recorder,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&MfaKbaAnswersReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clients: clients, Recorder: recorder,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return nil
}
