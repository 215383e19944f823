package plugin

import (
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func TestTestWithBaseURLReportsSuccessAsJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.flags("test", "okta-verify", "-o", "json")
	expectCode(t, res, CodeOK)
	var got testResult
	decodeJSON(t, res, &got)
	want := testResult{Tenant: w.url, Method: "okta-verify", State: "SUCCESS"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestTestOfAFailingConfigExitsOneWithSailPointsError(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.emu.SetDuoConfig(emulator.DuoConfig{Enabled: false, Host: "api-1234.duosecurity.com", IdentityAttribute: "uid"})
	res := w.flags("test", "duo-web")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "duo-web test on "+w.url+": FAILED: ")
	if res.stderr != "" {
		t.Errorf("a failed test prints nothing on stderr, got %q", res.stderr)
	}

	res = w.flags("test", "duo-web", "-o", "yaml")
	expectCode(t, res, CodeFailed)
	var got testResult
	decodeYAML(t, res, &got)
	if got.State != "FAILED" || got.Error == "" {
		t.Errorf("got %+v, want FAILED with an error", got)
	}
}

func TestTestUsesTheNamespacesOnlyTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	res := w.cluster("test", "okta-verify", "-o", "json")
	expectCode(t, res, CodeOK)
	var got testResult
	decodeJSON(t, res, &got)
	if got.Tenant != w.ns+"/acme" || got.State != "SUCCESS" {
		t.Errorf("got %+v", got)
	}
}

func TestTestByMfaProviderConfigNameUsesItsMethodAndTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	// A second tenant makes the namespace ambiguous: the object's tenantRef decides.
	w.createTenant("globex", "acme-pat")
	w.createSecret("duo-keys", map[string]string{"ikey": duoIKey, "skey": duoSKey, "accessKey": "duo-access-key-0123"})
	w.create(&mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "duo", Namespace: w.ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"}, Method: mfav1.MfaMethodDuoWeb,
			Host: "api-1234.duosecurity.com", IdentityAttribute: "uid",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: "duo-keys", Key: "accessKey"},
			Duo: &mfav1.DuoSpec{
				IntegrationKeySecretRef: mfav1.SecretKeySelector{Name: "duo-keys", Key: "ikey"},
				SecretKeySecretRef:      mfav1.SecretKeySelector{Name: "duo-keys", Key: "skey"},
			},
		},
	})

	for _, arg := range []string{"duo", "mfapc/duo", "mfaproviderconfig/duo"} {
		res := w.cluster("test", arg, "-o", "json")
		expectCode(t, res, CodeOK)
		var got testResult
		decodeJSON(t, res, &got)
		want := testResult{Tenant: w.ns + "/acme", Method: "duo-web", MfaProviderConfig: w.ns + "/duo", State: "SUCCESS"}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", arg, got, want)
		}
	}

	res := w.cluster("test", "duo", "--tenant", "globex")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `--tenant "globex" differs`)

	res = w.cluster("test", "nothing-here")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `"nothing-here" is neither okta-verify, duo-web nor an MfaProviderConfig`)

	// With the kind named, a missing object is just that.
	res = w.cluster("test", "mfapc/nosuch")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `MfaProviderConfig "nosuch" not found in namespace "`+w.ns+`"`)
	expectNotContains(t, res.stderr, "neither")

	// Completion offers the methods and the namespace's MfaProviderConfigs.
	res = w.cluster("__complete", "test", "")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "okta-verify\n", "duo-web\n", "mfapc/duo\tMfaProviderConfig\n")
}

func TestTestWithTwoTenantsAsksForTenantAndListsBoth(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.createTenant("globex", "acme-pat")

	res := w.cluster("test", "okta-verify")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "has 2 SailPointTenants (acme, globex)", "--tenant")

	res = w.cluster("test", "okta-verify", "--tenant", "globex", "-o", "json")
	expectCode(t, res, CodeOK)
	var got testResult
	decodeJSON(t, res, &got)
	if got.Tenant != w.ns+"/globex" {
		t.Errorf("tenant %q, want %s/globex", got.Tenant, w.ns)
	}
}

func TestTestWithoutTenantExplainsTheChoices(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.ns = createNamespace(t)

	res := w.cluster("test", "okta-verify")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `no SailPointTenant in namespace "`+w.ns+`"`, "--base-url", envClientID)

	res = w.cluster("test", "okta-verify", "--tenant", "acme")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `SailPointTenant "acme" not found`)
}

func TestTestReportsAMissingCredentialsSecretOrKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.ns = createNamespace(t)
	w.createTenant("acme", "acme-pat")

	res := w.cluster("test", "okta-verify")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `Secret "acme-pat" of SailPointTenant `+w.ns+`/acme not found`)

	w.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID})
	res = w.cluster("test", "okta-verify")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `has no key "clientSecret"`)
}

func TestTestWithWrongCredentialsExitsThreeWithoutPrintingThem(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	const wrong = "not-the-right-secret-4711"
	w.addSecret(wrong)
	res := w.execFlags(invocation{env: map[string]string{envClientID: emulator.DefaultAdminClientID, envClientSecret: wrong}}, "test", "okta-verify")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, "error: ")
}

func TestTestOfAnUnreachableTenantExitsThree(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.exec(invocation{env: map[string]string{envClientID: "id", envClientSecret: "secret-value-unused"}},
		"--base-url", "http://127.0.0.1:1", "test", "okta-verify")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, "request failed")
}

func TestCredentialFlagsAreCheckedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	cases := []struct {
		name string
		inv  invocation
		args []string
		want string
	}{
		{"no credentials in the environment", invocation{env: map[string]string{}}, []string{"--base-url", w.url, "test", "okta-verify"}, envClientID + " and " + envClientSecret},
		{"--tenant with --base-url", invocation{env: map[string]string{envClientID: "a", envClientSecret: "b"}}, []string{"--base-url", w.url, "--tenant", "acme", "test", "okta-verify"}, "exclude each other"},
		{"a plain http base URL", invocation{env: map[string]string{envClientID: "a", envClientSecret: "b"}}, []string{"--base-url", "http://sailpoint.example.com", "test", "okta-verify"}, "https"},
		{"--token-url without --base-url", invocation{}, []string{"--token-url", w.url + "/oauth/token", "test", "okta-verify"}, "--token-url needs --base-url"},
		{"an unknown output format", invocation{}, []string{"--base-url", w.url, "test", "okta-verify", "-o", "wide"}, `unknown output format "wide"`},
		{"no argument", invocation{}, []string{"test"}, "takes one argument"},
		{"an unknown prefix", invocation{}, []string{"test", "pod/x"}, "is not okta-verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := w.exec(c.inv, c.args...)
			expectCode(t, res, CodeUsage)
			expectContains(t, res.stderr, c.want, "See 'kubectl mfa")
		})
	}
	if n := len(w.emu.Requests()); n != 0 {
		t.Errorf("%d requests reached SailPoint", n)
	}
}

func TestClusterObjectsRefuseBaseURL(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.flags("test", "mfapc/okta")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "an MfaProviderConfig reads the cluster; --base-url and --token-url do not apply")

	res = w.flags("kba", "authenticate", "--from", "svc-account")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "--from reads the cluster")
}

func TestTestCallsTheConfigurationAPIOfTheFlagOrOfTheTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	countTests := func() (v1, v3 int) {
		return w.emu.CountRequests(http.MethodGet, "/mfa/v1/okta-verify/test"), w.emu.CountRequests(http.MethodGet, "/v3/mfa/okta-verify/test")
	}

	expectCode(t, w.flags("test", "okta-verify"), CodeOK)
	if v1, v3 := countTests(); v1 != 1 || v3 != 0 {
		t.Errorf("without --configuration-api: %d v1 and %d v3 tests, want the default Auto's v1", v1, v3)
	}
	expectCode(t, w.flags("--configuration-api", "V3", "test", "okta-verify"), CodeOK)
	if v1, v3 := countTests(); v1 != 1 || v3 != 1 {
		t.Errorf("with --configuration-api V3: %d v1 and %d v3 tests, want 1 and 1", v1, v3)
	}
	res := w.flags("--configuration-api", "v2", "test", "okta-verify")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "configuration API must be Auto, V1 or V3")

	w.ns = createNamespace(t)
	w.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
	tenant := &mfav1.SailPointTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: w.ns},
		Spec: mfav1.SailPointTenantSpec{BaseURL: w.url, CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
			ConfigurationAPI: mfav1.ConfigurationAPIV3},
	}
	w.create(tenant)
	expectCode(t, w.cluster("test", "okta-verify"), CodeOK)
	if v1, v3 := countTests(); v1 != 1 || v3 != 2 {
		t.Errorf("with a tenant of configurationAPI V3: %d v1 and %d v3 tests, want 1 and 2", v1, v3)
	}
	res = w.cluster("--configuration-api", "V1", "test", "okta-verify")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "--configuration-api needs --base-url")
}
