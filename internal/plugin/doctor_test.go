package plugin

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func (w *world) oktaAndKbaObjects() {
	w.t.Helper()
	w.createOkta()
	w.kbaObject()
}

// withTenantOf creates a namespace with the tenant "acme" whose credentials are id and secret.
func (w *world) withTenantOf(id, secret string) *world {
	w.t.Helper()
	w.ns = createNamespace(w.t)
	w.createSecret("acme-pat", map[string]string{"clientId": id, "clientSecret": secret})
	w.createTenant("acme", "acme-pat")
	return w
}

func (w *world) kbaObject() {
	w.t.Helper()
	w.create(&mfav1.MfaKbaAnswers{
		ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: w.ns},
		Spec: mfav1.MfaKbaAnswersSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"},
			Answers:   []mfav1.KbaAnswer{{QuestionID: "173421", AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "q1"}}},
		},
	})
}

func probeOf(t *testing.T, rep doctorReport, op string) probe {
	t.Helper()
	for _, p := range rep.Probes {
		if p.Operation == op {
			return p
		}
	}
	t.Fatalf("no probe %q in %+v", op, rep.Probes)
	return probe{}
}

func TestDoctorWithAnOrgAdminTokenPassesEveryProbeTheObjectsNeed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.oktaAndKbaObjects()

	res := w.cluster("doctor")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "Tenant:    "+w.ns+"/acme", "Identity:  "+emulator.DefaultAdminIdentityID,
		"Token:     obtained, expires in 12m", "Scopes:    sp:scopes:all",
		"OPERATION", "REQUIRES", "GET /mfa/okta-verify/config", "mfapc/okta", "OK (enabled)", "OK (SUCCESS)",
		"POST /mfa/kba/config/answers", "kba/svc", "not probed")

	res = w.cluster("doctor", "-o", "json")
	expectCode(t, res, CodeOK)
	var rep doctorReport
	decodeJSON(t, res, &rep)
	if !rep.OK || rep.IdentityID != emulator.DefaultAdminIdentityID || rep.TokenExpiresAt == nil {
		t.Errorf("report %+v: want OK with the identity and the expiry", rep)
	}
	if p := probeOf(t, rep, "GET /mfa/duo-web/config"); p.Needed || p.Result != probeOK {
		t.Errorf("duo-web config %+v: want probed, OK, and not needed (no Duo object)", p)
	}
	if p := probeOf(t, rep, "GET /mfa/okta-verify/test"); !p.Needed || p.Result != probeOK || p.Detail != "SUCCESS" {
		t.Errorf("okta test %+v: want needed, OK, SUCCESS", p)
	}
}

func TestDoctorWithAUserTokenNamesTheLevelAndScopeTheConfigsNeed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).withTenantOf(emulator.DefaultUserClientID, emulator.DefaultUserClientSecret)
	w.oktaAndKbaObjects()

	res := w.cluster("doctor")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "Identity:  "+emulator.DefaultUserIdentityID,
		"refused (403 forbidden)", "user level ORG_ADMIN, scope idn:mfa-configuration:read or idn:mfa-configuration:manage")
	expectContains(t, res.stderr, "Some calls that the tenant's objects need are refused or fail")

	res = w.cluster("doctor", "-o", "json")
	expectCode(t, res, CodeFailed)
	var rep doctorReport
	decodeJSON(t, res, &rep)
	if rep.OK {
		t.Error("report OK with a USER token and an MfaProviderConfig")
	}
	for _, op := range []string{"GET /mfa/okta-verify/config", "GET /mfa/okta-verify/test"} {
		if p := probeOf(t, rep, op); p.Result != probeRefused || !p.Needed || len(p.NeededBy) != 1 || p.NeededBy[0] != "mfapc/okta" {
			t.Errorf("%s: %+v, want refused and needed by mfapc/okta", op, p)
		}
	}
	if p := probeOf(t, rep, "GET /mfa/kba/config"); p.Result != probeOK || !p.Needed {
		t.Errorf("a USER may read the KBA questions: %+v", p)
	}
}

func TestDoctorWithAUserTokenAndOnlyKbaAnswersPasses(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).withTenantOf(emulator.DefaultUserClientID, emulator.DefaultUserClientSecret)
	w.kbaObject()

	res := w.cluster("doctor")
	expectCode(t, res, CodeOK)
	// The configuration GETs are refused, but nothing of this tenant needs them.
	expectContains(t, res.stdout, "refused (403 forbidden)")
}

func TestDoctorChecksTheScopesOfOperationsItDoesNotCall(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{Identities: []emulator.Identity{{
		ClientID: "kba-reader", ClientSecret: "kba-reader-secret-0123", IdentityID: "2c9180947f0ef465017f215cbcfd0099",
		Name: "reader", Level: emulator.LevelUser, Scopes: []string{"idn:mfa-kba:read"},
	}}})
	w.withTenantOf("kba-reader", "kba-reader-secret-0123")
	w.kbaObject()

	res := w.cluster("doctor", "-o", "json")
	expectCode(t, res, CodeFailed)
	var rep doctorReport
	decodeJSON(t, res, &rep)
	if p := probeOf(t, rep, "POST /mfa/kba/config/answers"); p.Result != probeRefused || p.Detail != "the token lacks the scope" ||
		p.Requires != "user level USER, scope idn:mfa-kba:authenticate" {
		t.Errorf("answers: %+v, want refused for the missing scope", p)
	}
	if p := probeOf(t, rep, "GET /mfa/kba/config"); p.Result != probeOK {
		t.Errorf("questions: %+v, want OK with idn:mfa-kba:read", p)
	}
}

func TestDoctorWithoutAClusterNeedsEveryReadOnlyProbe(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	res := w.flags("doctor")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "(all)", "GET /mfa/duo-web/test")

	res = w.execFlags(invocation{env: map[string]string{envClientID: emulator.DefaultUserClientID, envClientSecret: emulator.DefaultUserClientSecret}}, "doctor")
	expectCode(t, res, CodeFailed)

	res = w.execFlags(invocation{env: map[string]string{envClientID: emulator.DefaultAdminClientID, envClientSecret: "wrong-secret-0123"}}, "doctor")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, "cannot obtain a token")
	expectNotContains(t, res.stderr, "wrong-secret-0123")
}
