package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const kindMfaProviderConfig = "MfaProviderConfig"

// providerForbiddenHint is what a 403 on the MFA configuration endpoints means.
const providerForbiddenHint = "The identity that owns the tenant credentials needs the ORG_ADMIN user level and the idn:mfa-configuration:manage scope"

// MfaProviderConfigReconciler makes SailPoint's Okta Verify or Duo Web configuration match an
// MfaProviderConfig, runs SailPoint's test of it, and keeps both up to date. The order of the
// steps is the managed reconcile's; what is specific to provider configs is below.
type MfaProviderConfigReconciler struct {
	managedReconciler[*mfav1.MfaProviderConfig]
}

// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfaproviderconfigs/finalizers,verbs=update

// providerKind is what the managed reconcile needs to know about MfaProviderConfig.
type providerKind struct{ c client.Reader }

func (providerKind) newObject() *mfav1.MfaProviderConfig { return &mfav1.MfaProviderConfig{} }
func (providerKind) kindName() string                    { return kindMfaProviderConfig }
func (providerKind) newList() client.ObjectList          { return &mfav1.MfaProviderConfigList{} }

// peerMatters: only configs of the same method share a remote configuration.
func (providerKind) peerMatters(peer, other client.Object) bool {
	a, ok1 := peer.(*mfav1.MfaProviderConfig)
	b, ok2 := other.(*mfav1.MfaProviderConfig)
	return ok1 && ok2 && a.Spec.Method == b.Spec.Method
}
func (providerKind) checkType(*mfav1.MfaProviderConfig) string {
	return mfav1.TypeTested
}
func (providerKind) checkWrites() bool         { return false }
func (providerKind) forbiddenHint(step) string { return providerForbiddenHint }

func (providerKind) secretRefs(p *mfav1.MfaProviderConfig) []mfav1.SecretKeySelector {
	refs := []mfav1.SecretKeySelector{p.Spec.AccessKeySecretRef}
	if p.Spec.Method == mfav1.MfaMethodDuoWeb && p.Spec.Duo != nil {
		refs = append(refs, p.Spec.Duo.IntegrationKeySecretRef, p.Spec.Duo.SecretKeySecretRef)
	}
	return refs
}

// deletionSecretRefs: Disable writes the full configuration, keys included.
func (k providerKind) deletionSecretRefs(p *mfav1.MfaProviderConfig) []mfav1.SecretKeySelector {
	if p.Spec.GetDeletionPolicy() == mfav1.DeletionPolicyDisable {
		return k.secretRefs(p)
	}
	return nil
}

func (providerKind) validate(*mfav1.MfaProviderConfig, secretValues) *condition { return nil }

func (providerKind) describe(p *mfav1.MfaProviderConfig, s step) string {
	verb := map[step]string{stepObserve: "read", stepApply: "write", stepCheck: "test", stepDelete: "delete"}[s]
	if s == stepDelete && p.Spec.GetDeletionPolicy() == mfav1.DeletionPolicyDisable {
		verb = "disable"
	}
	return verb + " the " + string(p.Spec.Method) + " configuration"
}

func (providerKind) readyMessage(p *mfav1.MfaProviderConfig) string {
	if !p.Spec.IsEnabled() {
		return fmt.Sprintf("The %s configuration is in sync (disabled, so not tested)", p.Spec.Method)
	}
	return fmt.Sprintf("The %s configuration is in sync and SailPoint's test succeeded", p.Spec.Method)
}

// owner returns namespace/name of an older MfaProviderConfig (any namespace) of the same method
// on the same SailPoint tenant, or "".
func (k providerKind) owner(ctx context.Context, p *mfav1.MfaProviderConfig, tenant *mfav1.SailPointTenant) (string, error) {
	tenants, err := sameSailPointTenants(ctx, k.c, tenant)
	if err != nil {
		return "", err
	}
	var peers []*mfav1.MfaProviderConfig
	for _, t := range tenants {
		list := &mfav1.MfaProviderConfigList{}
		if err := k.c.List(ctx, list, client.InNamespace(t.Namespace), client.MatchingFields{indexTenantName: t.Name},
			client.UnsafeDisableDeepCopy); err != nil {
			return "", err
		}
		for i := range list.Items {
			if list.Items[i].Spec.Method == p.Spec.Method {
				peers = append(peers, &list.Items[i])
			}
		}
	}
	return oldestPeer(p, peers), nil
}

func (providerKind) conflictMessage(p *mfav1.MfaProviderConfig, tenant *mfav1.SailPointTenant, other string) string {
	return fmt.Sprintf("MfaProviderConfig %s already manages the %s configuration of %s; this one makes no remote call",
		other, p.Spec.Method, tenant.Spec.BaseURL)
}

// checkPlan: the test runs after each apply and each interval, never for a disabled method.
func (providerKind) checkPlan(p *mfav1.MfaProviderConfig, applied bool, now time.Time) (bool, *condition) {
	if !p.Spec.IsEnabled() {
		c := unknownCondition(mfav1.ReasonDisabled, "The method is disabled, so it is not tested")
		return false, &c
	}
	return applied || testDue(p, now), nil
}

// testDue reports whether the last test is older than the interval, or missing, or did not
// test what is applied now (the method was disabled, or the test after an apply did not run).
func testDue(p *mfav1.MfaProviderConfig, now time.Time) bool {
	last, tested := p.Status.LastTest, p.Status.GetCondition(mfav1.TypeTested)
	return last == nil || tested == nil || now.Sub(last.Time.Time) >= p.Spec.GetInterval() ||
		tested.Reason == mfav1.ReasonDisabled || tested.Reason == mfav1.ReasonTestPending ||
		tested.Status == metav1.ConditionUnknown
}

// nextStatus records the apply and the test of the pass.
func (providerKind) nextStatus(p *mfav1.MfaProviderConfig, ps *pass) {
	if ps.applied != nil {
		p.Status.AppliedGeneration = ps.generation
		p.Status.AppliedSecretVersions = ps.applied.SecretVersions
	}
	if ps.checked != nil {
		p.Status.LastTest = &mfav1.TestResult{
			State: mfav1.TestState(ps.checked.State), Message: ps.redact(ps.checked.Message),
			Time: metav1.NewTime(ps.now.Truncate(time.Second)),
		}
	}
}

func (providerKind) connect(p *mfav1.MfaProviderConfig, _ *mfav1.SailPointTenant, api sailpoint.API, vals secretValues) external {
	return &providerExternal{obj: p, api: api, vals: vals, method: sailpoint.Method(p.Spec.Method)}
}

// providerExternal talks to SailPoint about one provider configuration.
type providerExternal struct {
	obj    *mfav1.MfaProviderConfig
	api    sailpoint.API
	vals   secretValues
	method sailpoint.Method
}

// Observe compares the remote configuration with the spec: the fields that can be compared
// (secrets come back masked) and whether the Secrets changed since the last apply.
func (e *providerExternal) Observe(ctx context.Context) (observation, error) {
	observed, err := e.get(ctx)
	if err != nil {
		return observation{}, err
	}
	drift := diffProvider(e.desired(), observed, e.method == sailpoint.MethodDuoWeb)
	if e.obj.Spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve {
		if len(drift) > 0 {
			return observation{Synced: falseCondition(mfav1.ReasonDriftDetected,
				"The remote configuration differs from the spec in: "+strings.Join(drift, ", ")+" (managementPolicy Observe: not corrected)")}, nil
		}
		return observation{UpToDate: true, Synced: trueCondition(mfav1.ReasonObserved, "The remote configuration matches the spec (managementPolicy Observe)")}, nil
	}
	secretsChanged := !equality.Semantic.DeepEqual(e.obj.Status.AppliedSecretVersions, e.vals.versions)
	return observation{
		UpToDate: len(drift) == 0 && !secretsChanged,
		Synced:   trueCondition(mfav1.ReasonSynced, "The remote configuration matches the spec"),
		Diff:     drift,
	}, nil
}

// Apply writes the full configuration.
func (e *providerExternal) Apply(ctx context.Context, obs observation) (applyResult, error) {
	if err := e.put(ctx, e.desired()); err != nil {
		return applyResult{}, err
	}
	ev := action{mfav1.EventReasonApplied, "Applied the " + string(e.method) + " configuration"}
	if e.obj.Status.AppliedGeneration == e.obj.Generation && equality.Semantic.DeepEqual(e.obj.Status.AppliedSecretVersions, e.vals.versions) {
		ev = action{mfav1.EventReasonDriftCorrected, "Corrected remote changes to: " + strings.Join(obs.Diff, ", ")}
	}
	return applyResult{
		Synced:         trueCondition(mfav1.ReasonSynced, "Applied the "+string(e.method)+" configuration to SailPoint"),
		Event:          ev,
		SecretVersions: e.vals.versions,
	}, nil
}

// Check runs SailPoint's test of the stored configuration.
func (e *providerExternal) Check(ctx context.Context) (checkResult, error) {
	res, err := e.api.TestConfig(ctx, e.method)
	if err != nil {
		return checkResult{}, err
	}
	return testResult(e.method, *res), nil
}

// testResult maps SailPoint's test answer onto Tested: TestFailed carries SailPoint's error.
func testResult(method sailpoint.Method, res sailpoint.MfaConfigTestResponse) checkResult {
	out := checkResult{State: string(res.State), Message: res.Error}
	if mfav1.TestState(res.State) == mfav1.TestStateSuccess {
		out.Condition = trueCondition(mfav1.ReasonTestSucceeded, "SailPoint's test of the "+string(method)+" configuration succeeded")
		return out
	}
	msg := res.Error
	if msg == "" {
		msg = fmt.Sprintf("SailPoint's test answered %q", res.State)
	}
	out.Condition = falseCondition(mfav1.ReasonTestFailed, msg)
	return out
}

// Delete removes the configuration (Delete), or writes it with enabled: false (Disable, which
// works where there is no DELETE, as on the v1 API).
func (e *providerExternal) Delete(ctx context.Context, policy mfav1.DeletionPolicy) (string, error) {
	if policy == mfav1.DeletionPolicyDisable {
		desired := e.desired()
		desired.Enabled = false
		return "Disabled the remote " + string(e.method) + " configuration", e.put(ctx, desired)
	}
	if _, err := e.api.DeleteConfig(ctx, e.method); err != nil && !errors.Is(err, sailpoint.ErrNotFound) {
		return "", err
	}
	return "Deleted the remote " + string(e.method) + " configuration", nil
}

func (e *providerExternal) desired() providerState {
	p, v := e.obj, e.vals
	s := providerState{
		Enabled: p.Spec.IsEnabled(), Host: p.Spec.Host, IdentityAttribute: p.Spec.IdentityAttribute,
		AccessKey: v.get(p.Spec.AccessKeySecretRef),
	}
	if e.method == sailpoint.MethodDuoWeb && p.Spec.Duo != nil {
		s.IKey, s.SKey = v.get(p.Spec.Duo.IntegrationKeySecretRef), v.get(p.Spec.Duo.SecretKeySecretRef)
	}
	return s
}

func (e *providerExternal) get(ctx context.Context) (providerState, error) {
	if e.method == sailpoint.MethodDuoWeb {
		c, err := e.api.GetDuoConfig(ctx)
		if err != nil {
			return providerState{}, err
		}
		return duoState(*c), nil
	}
	c, err := e.api.GetOktaConfig(ctx)
	if err != nil {
		return providerState{}, err
	}
	return oktaState(*c), nil
}

func (e *providerExternal) put(ctx context.Context, desired providerState) error {
	var err error
	if e.method == sailpoint.MethodDuoWeb {
		_, err = e.api.SetDuoConfig(ctx, desired.duo())
	} else {
		_, err = e.api.SetOktaConfig(ctx, desired.okta())
	}
	return err
}
