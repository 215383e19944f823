package controller

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// A GitOps tool applies a tenant, its Secrets and its configs at once, in any order: a config
// reconciled a moment before its tenant is waiting, not failing.
var _ = Describe("A first sync", func() {
	var f *fixture
	BeforeEach(func() {
		f = newFixture()
		kbaSecretValues = nil
	})
	AfterEach(func() {
		expectNoAnswerLeak(f.ns, kbaSecretValues)
	})

	warnings := func() []string {
		var out []string
		for _, e := range f.events() {
			if e.Type == corev1.EventTypeWarning {
				out = append(out, e.Regarding.Kind+"/"+e.Regarding.Name+": "+e.Reason+": "+e.Note)
			}
		}
		return out
	}

	It("applied all at once, the configs before their tenant, emits no Warning event", func() {
		f.oktaConfig("okta", oktaKey)
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "okta", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonTenantNotReady)
		f.eventuallyCondition(&mfav1.MfaKbaAnswers{}, "svc", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonTenantNotReady)
		waiting := &mfav1.MfaProviderConfig{}
		f.get(waiting, "okta")
		Expect(waiting.Status.GetCondition(mfav1.TypeReconciling)).NotTo(BeNil(), "waiting for the tenant is work in progress")

		f.createTenant(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		f.eventuallyReady("okta")
		f.kbaReady("svc")
		Expect(warnings()).To(BeEmpty())
		Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.ReasonTenantNotReady)).To(HaveLen(1))
	})

	It("reports at once, with a Warning, a tenant that says why it is not Ready", func() {
		f.createTenant("nobody", "wrong-secret")
		f.eventuallyCondition(&mfav1.SailPointTenant{}, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonInvalidCredentials)
		f.oktaConfig("okta", oktaKey)
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonTenantNotReady)
		e := f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonTenantNotReady)
		Expect(e.Note).To(ContainSubstring(mfav1.ReasonInvalidCredentials))
	})

	It("applied with its tenant, a config writes no status while the tenant's first check is under way, then goes straight to Ready", func() {
		f.emu.SetFaults(emulator.Faults{Latency: 1500 * time.Millisecond, PathPrefix: tokenPath})
		f.createTenant(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		f.oktaConfig("okta", oktaKey)
		Consistently(func() []metav1.Condition {
			c := &mfav1.MfaProviderConfig{}
			f.get(c, "okta")
			return c.Status.Conditions
		}, time.Second, 50*time.Millisecond).Should(BeEmpty(), "one status write less per object of a first sync")
		f.eventuallyReady("okta")
		Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.ReasonTenantNotReady)).To(BeEmpty())
	})
})
