package plugin

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// managedOkta is a world whose tenant "acme" and MfaProviderConfig "okta" the real manager
// reconciles; accessKey "invalid-..." makes SailPoint's test fail.
func managedOkta(t *testing.T, extra map[string]string, accessKey string) *world {
	t.Helper()
	w := newWorld(t, emulator.Config{}).managed(extra).inCluster()
	w.createSecret("okta-mfa", map[string]string{"accessKey": accessKey})
	w.createOkta()
	return w
}

// createOkta creates the MfaProviderConfig "okta" of tenant "acme", with its access key in
// the Secret "okta-mfa".
func (w *world) createOkta() {
	w.t.Helper()
	w.create(&mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: w.ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"}, Method: mfav1.MfaMethodOktaVerify,
			Host: "acme.okta.com", IdentityAttribute: "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: "okta-mfa", Key: "accessKey"},
		},
	})
}

func getProvider(t *testing.T, ns, name string) *mfav1.MfaProviderConfig {
	t.Helper()
	var p mfav1.MfaProviderConfig
	if err := k8s.Get(context.Background(), key(ns, name), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestReconcileWaitSetsTheAnnotationAndPrintsReadyWhenTheOperatorEchoesIt(t *testing.T) {
	t.Parallel()
	w := managedOkta(t, nil, "okta-demo-access-key-0001")
	w.addSecret("okta-demo-access-key-0001")

	res := w.cluster("reconcile", "mfapc/okta", "--wait", "--timeout", "30s")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "MfaProviderConfig "+w.ns+"/okta: Ready=True Available")
	p := getProvider(t, w.ns, "okta")
	requested := p.Annotations[mfav1.ReconcileRequestedAtAnnotation]
	if requested == "" || p.Status.LastHandledReconcileAt != requested {
		t.Errorf("annotation %q, lastHandledReconcileAt %q: want both set and equal", requested, p.Status.LastHandledReconcileAt)
	}

	// The kind's name, its plural and a short name all work, as KIND NAME too.
	for _, args := range [][]string{{"SailPointTenant/acme"}, {"sailpointtenants", "acme"}, {"spt/acme"}, {"MfaProviderConfig", "okta"}} {
		res := w.cluster(append([]string{"reconcile", "--wait", "-o", "json"}, args...)...)
		expectCode(t, res, CodeOK)
		var out objectResults
		decodeJSON(t, res, &out)
		if len(out.Items) != 1 || !out.Items[0].Handled || out.Items[0].Ready != "True" || out.Items[0].RequestedAt == "" {
			t.Errorf("%v: got %+v, want one handled, Ready object", args, out.Items)
		}
	}
}

func TestReconcileWaitOfAnObjectThatIsNotReadyExitsOne(t *testing.T) {
	t.Parallel()
	w := managedOkta(t, nil, "invalid-key-0001")
	w.addSecret("invalid-key-0001")

	res := w.cluster("reconcile", "mfaproviderconfig/okta", "--wait")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stderr, "MfaProviderConfig "+w.ns+"/okta: Ready=False TestFailed")

	// Without --wait the request is all there is to do.
	res = w.cluster("reconcile", "mfaproviderconfig/okta")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "MfaProviderConfig "+w.ns+"/okta: reconcile requested")
}

func TestReconcileOfAMissingObjectExitsThree(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	res := w.cluster("reconcile", "kba/nosuch", "--wait")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `MfaKbaAnswers "nosuch" not found in namespace "`+w.ns+`"`)
}

func TestReconcileAllAcrossNamespacesWaitsForEveryObject(t *testing.T) {
	t.Parallel()
	run := map[string]string{"test.identityops.dev/run": "reconcile-all"}
	a := managedOkta(t, run, "okta-demo-access-key-0001")
	b := managedOkta(t, run, "okta-demo-access-key-0001")
	a.addSecret("okta-demo-access-key-0001")

	res := a.exec(invocation{}, "--kubeconfig", kubeconfigPath, "reconcile", "--all", "-A",
		"-l", "test.identityops.dev/run="+run["test.identityops.dev/run"], "--wait", "-o", "json")
	expectCode(t, res, CodeOK)
	var out objectResults
	decodeJSON(t, res, &out)
	seen := map[string]bool{}
	for _, it := range out.Items {
		if !it.Handled || it.Ready != "True" {
			t.Errorf("%+v: want handled and Ready", it)
		}
		seen[it.Namespace+"/"+it.Kind] = true
	}
	for _, ns := range []string{a.ns, b.ns} {
		for _, kind := range []string{kindTenant, kindProvider} {
			if !seen[ns+"/"+kind] {
				t.Errorf("%s of %s not reconciled; got %+v", kind, ns, out.Items)
			}
		}
		if p := getProvider(t, ns, "okta"); p.Status.LastHandledReconcileAt == "" {
			t.Errorf("%s/okta: no lastHandledReconcileAt", ns)
		}
	}
}

func TestSuspendAndResumeSetSpecSuspendAndResumeWaitsForReady(t *testing.T) {
	t.Parallel()
	w := managedOkta(t, nil, "okta-demo-access-key-0001")
	w.addSecret("okta-demo-access-key-0001")

	res := w.cluster("suspend", "mfapc/okta", "--wait")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "MfaProviderConfig "+w.ns+"/okta: Ready=Unknown Suspended")
	if p := getProvider(t, w.ns, "okta"); !p.Spec.Suspend {
		t.Fatal("spec.suspend is not true after suspend")
	}

	// A suspended object is not reconciled by name, and skipped by --all.
	res = w.cluster("reconcile", "mfapc/okta")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stderr, "suspended: resume it with kubectl mfa resume mfaproviderconfig/okta")
	res = w.cluster("reconcile", "mfapc", "--all", "-o", "json")
	expectCode(t, res, CodeOK)

	res = w.cluster("resume", "mfapc/okta", "--wait")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "MfaProviderConfig "+w.ns+"/okta: Ready=True Available")
	p := getProvider(t, w.ns, "okta")
	if p.Spec.Suspend || p.Status.LastHandledReconcileAt != p.Annotations[mfav1.ReconcileRequestedAtAnnotation] {
		t.Errorf("after resume: suspend %v, lastHandledReconcileAt %q, annotation %q", p.Spec.Suspend,
			p.Status.LastHandledReconcileAt, p.Annotations[mfav1.ReconcileRequestedAtAnnotation])
	}

	// --all suspends the suspendable kinds only: the tenant is left alone.
	res = w.cluster("suspend", "--all", "-o", "json")
	expectCode(t, res, CodeOK)
	var out objectResults
	decodeJSON(t, res, &out)
	if len(out.Items) != 1 || out.Items[0].Kind != kindProvider {
		t.Errorf("suspend --all: got %+v, want the MfaProviderConfig only", out.Items)
	}
}

func TestSuspendOfATenantIsAUsageError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"suspend", "spt/acme"}, {"resume", "SailPointTenant", "acme"}, {"suspend", "sailpointtenants", "--all"},
	} {
		res := run(t, invocation{}, args...)
		expectCode(t, res, CodeUsage)
		expectContains(t, res.stderr, "a SailPointTenant has no spec.suspend")
	}
}

func TestObjectCommandsUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"reconcile"}, "name the objects to reconcile as KIND/NAME, or use --all"},
		{[]string{"reconcile", "pods/x"}, `unknown kind "pods"`},
		{[]string{"reconcile", "mfapc"}, `"mfapc" names no object`},
		{[]string{"reconcile", "mfapc/okta", "-A"}, "need --all"},
		{[]string{"reconcile", "--all", "mfapc/okta"}, "--all takes kinds, not objects"},
		{[]string{"resume", "mfapc/okta", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"reconcile", "mfapc/okta", "--base-url", "https://x.example"}, "--base-url and --token-url do not apply"},
	}
	for _, c := range cases {
		res := run(t, invocation{}, c.args...)
		expectCode(t, res, CodeUsage)
		expectContains(t, res.stderr, c.want)
	}
}

func TestReconcileWaitWithoutTheOperatorExitsOneAfterTheTimeout(t *testing.T) {
	t.Parallel()
	// The manager does not watch this world's objects (no managed label).
	w := newWorld(t, emulator.Config{}).inCluster()
	res := w.cluster("reconcile", "spt/acme", "--wait", "--timeout", "1s")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stderr, "not handled by the operator within 1s")
}
