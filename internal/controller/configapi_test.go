package controller

import (
	"context"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// SailPoint's two APIs for the configuration operations: /mfa/v1 (SailPoint's supported one)
// and the legacy /v3, retired in Q1 2029.
var _ = Describe("The configuration API", func() {
	var f *fixture
	BeforeEach(func() {
		f = newFixture()
		ownAPIChoice.Store(f.server.URL, true)
		DeferCleanup(func() { ownAPIChoice.Delete(f.server.URL) })
	})

	tenantWith := func(api mfav1.ConfigurationAPI) *mfav1.SailPointTenant {
		t := f.adminTenant()
		f.patch(t, "acme", func() { t.Spec.ConfigurationAPI = api })
		return t
	}
	tenantStatusAPI := func() string {
		t := &mfav1.SailPointTenant{}
		f.get(t, "acme")
		return t.Status.ConfigurationAPI
	}

	It("is v1 by default, shown in the tenant's status, with v3 only for what v1 lacks", func() {
		f.adminTenant()
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")
		Expect(f.emu.CountRequests(http.MethodPut, "/mfa/v1/okta-verify/config")).To(Equal(1))
		Expect(f.emu.CountRequests(http.MethodGet, "/mfa/v1/okta-verify/test")).To(Equal(1))
		Expect(f.remoteCalls("/v3/")).To(BeZero())
		Eventually(tenantStatusAPI).Should(Equal(sailpoint.APIVersionV1))
	})

	It("falls back to v3 with Auto on a tenant without v1, and says so once", func() {
		f.emu.SetFaults(emulator.Faults{APIVersionFaults: emulator.APIVersionFaults{V1Disabled: true}})
		f.adminTenant()
		f.oktaConfig("okta", oktaKey)
		f.duoConfig("duo", oktaKey, "DIXXXXXXXXXXXXXXXXXX", "duo-secret-key-0001")
		f.eventuallyReady("okta")
		f.eventuallyReady("duo")
		Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
		Eventually(tenantStatusAPI).Should(Equal(sailpoint.APIVersionV3))
		f.eventuallyEvent(kindSailPointTenant, "acme", corev1.EventTypeNormal, mfav1.EventReasonConfigurationAPIFallback)
		f.forceReconcile(&mfav1.MfaProviderConfig{}, "okta")
		Expect(f.eventsFor(kindSailPointTenant, "acme", mfav1.EventReasonConfigurationAPIFallback)).To(HaveLen(1))
	})

	It("with V1 never calls v3 for the configuration, even where v1 is missing", func() {
		f.emu.SetFaults(emulator.Faults{APIVersionFaults: emulator.APIVersionFaults{V1Disabled: true}})
		tenantWith(mfav1.ConfigurationAPIV1)
		f.oktaConfig("okta", oktaKey)
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonRemoteError)
		Expect(f.remoteCalls("/v3/mfa/okta-verify")).To(BeZero())
	})

	It("warns once per client when SailPoint marks v3 deprecated, naming the way out", func() {
		f.emu.SetFaults(emulator.Faults{APIVersionFaults: emulator.APIVersionFaults{DeprecatedV3: true}})
		tenantWith(mfav1.ConfigurationAPIV3)
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")
		e := f.eventuallyEvent(kindSailPointTenant, "acme", corev1.EventTypeWarning, mfav1.EventReasonDeprecatedAPI)
		Expect(e.Note).To(ContainSubstring("configurationAPI: V1"))
		f.forceReconcile(&mfav1.MfaProviderConfig{}, "okta")
		f.eventuallyReady("okta")
		Expect(f.eventsFor(kindSailPointTenant, "acme", mfav1.EventReasonDeprecatedAPI)).To(HaveLen(1))
	})

	It("deletes a config with deletionPolicy Disable by writing it disabled, with no DELETE", func() {
		tenantWith(mfav1.ConfigurationAPIV1)
		obj := f.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) { p.Spec.DeletionPolicy = mfav1.DeletionPolicyDisable })
		f.eventuallyReady("okta")
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		f.eventuallyGone(obj, "okta")
		stored, ok := f.emu.StoredOktaConfig()
		Expect(ok).To(BeTrue())
		Expect(stored.Enabled).To(BeFalse())
		Expect(stored.AccessKey).To(Equal(oktaKey), "the full configuration is written, keys included")
		Expect(f.emu.CountRequests(http.MethodPut, "/mfa/v1/okta-verify/config")).To(Equal(2))
		Expect(f.remoteCalls("/v3/")).To(BeZero(), "no DELETE, which exists only in v3")
		Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.EventReasonDeleted)).To(HaveLen(1))
	})
})
