package plugin

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func readyCondition(status metav1.ConditionStatus, reason, message string) []metav1.Condition {
	return []metav1.Condition{{
		Type: mfav1.TypeReady, Status: status, Reason: reason, Message: message,
		ObservedGeneration: 1, LastTransitionTime: metav1.Now(),
	}}
}

// populate creates an Okta MfaProviderConfig and an MfaKbaAnswers next to the tenant, and
// gives all three a status as the operator would.
func (w *world) populate() {
	w.t.Helper()
	ctx := context.Background()
	tenant := &mfav1.SailPointTenant{}
	if err := k8s.Get(ctx, key(w.ns, "acme"), tenant); err != nil {
		w.t.Fatal(err)
	}
	tenant.Status.Conditions = readyCondition(metav1.ConditionTrue, mfav1.ReasonAuthenticated, "Obtained a token")
	w.updateStatus(tenant)

	w.createSecret("okta-mfa", map[string]string{"accessKey": oktaAccessKey})
	okta := &mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: w.ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"}, Method: mfav1.MfaMethodOktaVerify,
			Host: "acme.okta.com", IdentityAttribute: "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: "okta-mfa", Key: "accessKey"},
		},
	}
	w.create(okta)
	okta.Status.Conditions = readyCondition(metav1.ConditionFalse, mfav1.ReasonTestFailed, "MFA Method is disabled.")
	okta.Status.LastTest = &mfav1.TestResult{State: mfav1.TestStateFailed, Message: "MFA Method is disabled.", Time: metav1.NewTime(time.Now().Add(-2 * time.Minute))}
	w.updateStatus(okta)

	w.createKbaAnswers("svc-account", mfav1.AnswerFormatPlain)
}

func (w *world) updateStatus(obj clientObject) {
	w.t.Helper()
	if err := k8s.Status().Update(context.Background(), obj); err != nil {
		w.t.Fatalf("update status of %s: %v", obj.GetName(), err)
	}
}

func TestStatusShowsEveryKindWithTenantMethodReadyAndLastTest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.populate()

	res := w.cluster("status", "-o", "json")
	expectCode(t, res, CodeOK)
	var list statusList
	decodeJSON(t, res, &list)
	if len(list.Items) != 3 {
		t.Fatalf("got %d items, want 3: %+v", len(list.Items), list.Items)
	}
	tenant, okta, kba := list.Items[0], list.Items[1], list.Items[2]
	if tenant.Kind != kindTenant || tenant.Name != "acme" || tenant.Ready != "True" || tenant.Reason != mfav1.ReasonAuthenticated || tenant.BaseURL != w.url {
		t.Errorf("tenant row %+v", tenant)
	}
	if okta.Kind != kindProvider || okta.Tenant != "acme" || okta.Method != "okta-verify" || okta.Ready != "False" ||
		okta.Reason != mfav1.ReasonTestFailed || okta.LastTest == nil || okta.LastTest.State != "FAILED" || okta.Namespace != w.ns {
		t.Errorf("provider row %+v", okta)
	}
	if kba.Kind != kindKba || kba.Name != "svc-account" || kba.Method != "kba" || kba.Ready != "" || kba.CreationTimestamp.IsZero() {
		t.Errorf("kba row %+v", kba)
	}

	res = w.cluster("status")
	expectCode(t, res, CodeOK)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", res.stdout)
	}
	for _, f := range []string{"NAME", "TENANT", "METHOD", "READY", "REASON", "LAST TEST", "AGE"} {
		expectContains(t, lines[0], f)
	}
	expectNotContains(t, lines[0], "NAMESPACE", "MESSAGE")
	expectContains(t, lines[1], "sailpointtenant/acme", "True", "Authenticated")
	expectContains(t, lines[2], "mfaproviderconfig/okta", "okta-verify", "False", "TestFailed", "FAILED 2m")
	expectContains(t, lines[3], "mfakbaanswers/svc-account", "kba")

	res = w.cluster("status", "-o", "wide")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "BASE URL", "MESSAGE", w.url, "MFA Method is disabled.")

	res = w.cluster("status", "-o", "yaml")
	expectCode(t, res, CodeOK)
	var fromYAML statusList
	decodeYAML(t, res, &fromYAML)
	if len(fromYAML.Items) != 3 {
		t.Errorf("YAML has %d items", len(fromYAML.Items))
	}
}

func TestStatusAllNamespacesAddsTheNamespaceColumn(t *testing.T) {
	t.Parallel()
	a := newWorld(t, emulator.Config{}).inCluster()
	b := newWorld(t, emulator.Config{}).inCluster()

	res := a.cluster("status", "-A", "-o", "json")
	expectCode(t, res, CodeOK)
	var list statusList
	decodeJSON(t, res, &list)
	seen := map[string]bool{}
	for _, it := range list.Items {
		seen[it.Namespace+"/"+it.Name] = true
	}
	if !seen[a.ns+"/acme"] || !seen[b.ns+"/acme"] {
		t.Errorf("-A lacks a namespace's tenant: %v", seen)
	}

	res = a.cluster("status", "--all-namespaces")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "NAMESPACE", a.ns, b.ns)
}

func TestStatusOfAnEmptyNamespace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.ns = createNamespace(t)
	res := w.cluster("status")
	expectCode(t, res, CodeOK)
	if res.stdout != "" {
		t.Errorf("stdout %q, want nothing", res.stdout)
	}
	expectContains(t, res.stderr, "No MFA resources found in namespace "+w.ns+".")

	res = w.cluster("status", "-o", "json")
	expectCode(t, res, CodeOK)
	var list statusList
	decodeJSON(t, res, &list)
	if list.Items == nil || len(list.Items) != 0 {
		t.Errorf("want an empty items list, got %+v", list)
	}

	for _, args := range [][]string{{"status", "-o", "name"}, {"status", "extra"}} {
		res = w.cluster(args...)
		expectCode(t, res, CodeUsage)
	}
	res = w.flags("status")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "status reads the cluster")
}

func TestStatusWithoutACluster(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.exec(invocation{}, "--kubeconfig", t.TempDir()+"/missing", "status")
	expectCode(t, res, CodeError)
}

// kubectl get -o wide shows the CRDs' priority-1 printer columns: the Ready message, and
// the tenant and spec.suspend of the managed kinds.
func TestKubectlGetWideAddsTheMessageAndTenantColumns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.populate()
	out, err := exec.Command(filepath.Join(binaryAssets(), "kubectl"), "--kubeconfig", kubeconfigPath, "-n", w.ns,
		"get", "sailpointtenants,mfaproviderconfigs", "-o", "wide").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get -o wide: %v\n%s", err, out)
	}
	expectContains(t, string(out), "IDENTITY", "TENANT", "SUSPENDED", "MESSAGE", "MFA Method is disabled.", "Obtained a token")
}
