package health

import (
	"context"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// Argo CD health statuses.
const (
	healthy     = "Healthy"
	progressing = "Progressing"
	degraded    = "Degraded"
	suspended   = "Suspended"
)

// scenario is one state of one kind, produced by the real operator, and what each tool
// should make of it.
type scenario struct {
	// name is "<Kind>/<state>".
	name string
	// emulator gives the scenario its own SailPoint emulator.
	emulator bool
	// setup creates what the scenario needs and returns the object to read; nil for the
	// NoStatusYet states, which are read before the manager starts (see createFresh).
	setup func(ctx context.Context, w *world) (client.Object, error)

	// The state is reached when Ready has this status and reason at the current generation
	// and holds (Reconciling or Stalled) is True; with holds empty, neither is present.
	readyStatus, readyReason, holds string

	// argo is the health the Lua script must return; argoMessage the message (from the
	// object), and argoContains a text the message must contain.
	argo         string
	argoMessage  func(u *unstructured.Unstructured) string
	argoContains string

	// kstatus is what status.Compute (Flux's wait, healthChecks) must say, as the contract
	// intends it.
	kstatus status.Status
	// cel is what the healthCheckExprs documented in docs/install.md must give; "" means
	// the expressions cannot be evaluated.
	cel status.Status
}

func readyMessage(u *unstructured.Unstructured) string {
	return conditionOf(u, mfav1.TypeReady).Message
}
func stalledMessage(u *unstructured.Unstructured) string {
	return conditionOf(u, mfav1.TypeStalled).Message
}
func fixed(s string) func(*unstructured.Unstructured) string {
	return func(*unstructured.Unstructured) string { return s }
}

// Setups.

func tenantWith(clientSecret string, withSecret bool) func(context.Context, *world) (client.Object, error) {
	return func(ctx context.Context, w *world) (client.Object, error) {
		if withSecret {
			if err := w.secret(ctx, "acme-pat", map[string]string{
				"clientId": emulator.DefaultAdminClientID, "clientSecret": clientSecret,
			}); err != nil {
				return nil, err
			}
		}
		t := tenant(w.ns, w.server.URL)
		return t, k8s.Create(ctx, t)
	}
}

func unreachableTenant(ctx context.Context, w *world) (client.Object, error) {
	if err := w.secret(ctx, "acme-pat", map[string]string{
		"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret,
	}); err != nil {
		return nil, err
	}
	// Nothing listens on port 1: every token request fails to connect.
	t := tenant(w.ns, "http://127.0.0.1:1")
	return t, k8s.Create(ctx, t)
}

// okta creates a ready tenant and an Okta Verify config; accessKey "" leaves its Secret out.
func okta(accessKey string, mutate func(*mfav1.MfaProviderConfig)) func(context.Context, *world) (client.Object, error) {
	return func(ctx context.Context, w *world) (client.Object, error) {
		tenantName := "acme"
		if w.server != nil {
			if err := w.adminTenant(ctx); err != nil {
				return nil, err
			}
		} else {
			tenantName = "missing"
		}
		if accessKey != "" {
			if err := w.secret(ctx, "okta-mfa", map[string]string{"accessKey": accessKey}); err != nil {
				return nil, err
			}
		}
		p := oktaConfig(w.ns, "okta", tenantName, "okta-mfa")
		if mutate != nil {
			mutate(p)
		}
		return p, k8s.Create(ctx, p)
	}
}

// kba creates a ready tenant and KBA answers; answers nil leaves their Secret out.
func kba(answers map[string]string, mutate func(*mfav1.MfaKbaAnswers)) func(context.Context, *world) (client.Object, error) {
	return func(ctx context.Context, w *world) (client.Object, error) {
		tenantName := "acme"
		if w.server != nil {
			if err := w.adminTenant(ctx); err != nil {
				return nil, err
			}
		} else {
			tenantName = "missing"
		}
		if answers != nil {
			if err := w.secret(ctx, "kba", answers); err != nil {
				return nil, err
			}
		}
		k := kbaAnswers(w.ns, tenantName, "kba")
		if mutate != nil {
			mutate(k)
		}
		return k, k8s.Create(ctx, k)
	}
}

var goodAnswers = map[string]string{"q1": "Springfield", "q2": "Biscuit"}

func suspend(p *mfav1.MfaProviderConfig) { p.Spec.Suspend = true }
func suspendKba(k *mfav1.MfaKbaAnswers)  { k.Spec.Suspend = true }
func observe(p *mfav1.MfaProviderConfig) { p.Spec.ManagementPolicy = mfav1.ManagementPolicyObserve }

// driftedOkta observes an Okta Verify configuration that someone changed in SailPoint.
func driftedOkta(ctx context.Context, w *world) (client.Object, error) {
	w.emu.SetOktaConfig(emulator.OktaConfig{
		Enabled: true, Host: "changed.okta.com", IdentityAttribute: "email", AccessKey: "okta-demo-access-key-0001",
	})
	return okta("okta-demo-access-key-0001", observe)(ctx, w)
}

// scenarios lists every state the health checks are proven on.
var scenarios = []scenario{
	// SailPointTenant: everything is on Ready; it has no spec.suspend.
	{
		name: "SailPointTenant/Ready", emulator: true, setup: tenantWith(emulator.DefaultAdminClientSecret, true),
		readyStatus: "True", readyReason: mfav1.ReasonAuthenticated,
		argo: healthy, argoMessage: readyMessage, argoContains: "Obtained a token from http://127.0.0.1:",
		kstatus: status.CurrentStatus, cel: status.CurrentStatus,
	},
	{
		name: "SailPointTenant/InvalidCredentials", emulator: true, setup: tenantWith("wrong-secret", true),
		readyStatus: "False", readyReason: mfav1.ReasonInvalidCredentials, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "The token endpoint refused the credentials",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "SailPointTenant/SecretNotFound", emulator: true, setup: tenantWith("", false),
		readyStatus: "False", readyReason: mfav1.ReasonSecretNotFound, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "acme-pat does not exist",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "SailPointTenant/Unreachable", setup: unreachableTenant,
		readyStatus: "False", readyReason: mfav1.ReasonUnreachable, holds: mfav1.TypeReconciling,
		argo: progressing, argoMessage: readyMessage, argoContains: "Cannot obtain a token",
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "SailPointTenant/NoStatusYet",
		argo: progressing, argoMessage: fixed("Waiting for the operator"),
		// Not reconciled yet is InProgress by the contract, but kstatus cannot tell a custom
		// resource without status from a settled one and says Current.
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},

	// MfaProviderConfig.
	{
		name: "MfaProviderConfig/Ready", emulator: true, setup: okta("okta-demo-access-key-0001", nil),
		readyStatus: "True", readyReason: mfav1.ReasonAvailable,
		argo: healthy, argoMessage: readyMessage, argoContains: "SailPoint's test succeeded",
		kstatus: status.CurrentStatus, cel: status.CurrentStatus,
	},
	{
		name: "MfaProviderConfig/TenantNotReady", setup: okta("okta-demo-access-key-0001", nil),
		// A tenant that does not exist (yet): within its first minute the object waits quietly.
		readyStatus: "Unknown", readyReason: mfav1.ReasonTenantNotReady, holds: mfav1.TypeReconciling,
		argo: progressing, argoMessage: readyMessage, argoContains: "/missing does not exist",
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "MfaProviderConfig/TestFailed", emulator: true, setup: okta("invalid-key", nil),
		readyStatus: "False", readyReason: mfav1.ReasonTestFailed, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "Invalid access key.",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "MfaProviderConfig/SecretNotFound", emulator: true, setup: okta("", nil),
		readyStatus: "False", readyReason: mfav1.ReasonSecretNotFound, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "okta-mfa does not exist",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "MfaProviderConfig/Suspended", emulator: true, setup: okta("okta-demo-access-key-0001", suspend),
		readyStatus: "Unknown", readyReason: mfav1.ReasonSuspended,
		argo: suspended, argoMessage: readyMessage, argoContains: "spec.suspend",
		// Ready=Unknown without Reconciling or Stalled: kstatus falls back to Ready and
		// reads Unknown as InProgress.
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "MfaProviderConfig/DriftDetected", emulator: true, setup: driftedOkta,
		readyStatus: "False", readyReason: mfav1.ReasonDriftDetected,
		argo: progressing, argoMessage: readyMessage, argoContains: "differs from the spec in: host",
		// Neither Reconciling nor Stalled: kstatus falls back to Ready=False, InProgress.
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "MfaProviderConfig/NoStatusYet",
		argo: progressing, argoMessage: fixed("Waiting for the operator"),
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},

	// MfaKbaAnswers.
	{
		name: "MfaKbaAnswers/Ready", emulator: true, setup: kba(goodAnswers, nil),
		readyStatus: "True", readyReason: mfav1.ReasonAvailable,
		argo: healthy, argoMessage: readyMessage, argoContains: "SailPoint verified them",
		kstatus: status.CurrentStatus, cel: status.CurrentStatus,
	},
	{
		name: "MfaKbaAnswers/TenantNotReady", setup: kba(goodAnswers, nil),
		// A tenant that does not exist (yet): within its first minute the object waits quietly.
		readyStatus: "Unknown", readyReason: mfav1.ReasonTenantNotReady, holds: mfav1.TypeReconciling,
		argo: progressing, argoMessage: readyMessage, argoContains: "/missing does not exist",
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "MfaKbaAnswers/SecretNotFound", emulator: true, setup: kba(nil, nil),
		readyStatus: "False", readyReason: mfav1.ReasonSecretNotFound, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "kba does not exist",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "MfaKbaAnswers/InvalidAnswer", emulator: true, setup: kba(map[string]string{"q1": "Springfield", "q2": "cat"}, nil),
		readyStatus: "False", readyReason: mfav1.ReasonInvalidAnswer, holds: mfav1.TypeStalled,
		argo: degraded, argoMessage: stalledMessage, argoContains: "at least 4 characters",
		kstatus: status.FailedStatus, cel: status.FailedStatus,
	},
	{
		name: "MfaKbaAnswers/Suspended", emulator: true, setup: kba(goodAnswers, suspendKba),
		readyStatus: "Unknown", readyReason: mfav1.ReasonSuspended,
		argo: suspended, argoMessage: readyMessage, argoContains: "spec.suspend",
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
	{
		name: "MfaKbaAnswers/NoStatusYet",
		argo: progressing, argoMessage: fixed("Waiting for the operator"),
		kstatus: status.InProgressStatus, cel: status.InProgressStatus,
	},
}
