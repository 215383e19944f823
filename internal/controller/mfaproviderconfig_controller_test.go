package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const (
	oktaConfigPath = "/v3/mfa/okta-verify/config"
	oktaTestPath   = "/v3/mfa/okta-verify/test"
	oktaDeletePath = "/v3/mfa/okta-verify/delete"
	duoConfigPath  = "/v3/mfa/duo-web/config"
	duoTestPath    = "/v3/mfa/duo-web/test"
	tokenPath      = "/oauth/token"
)

// Secret values of the specs. Each is distinctive, so that finding one where it must not be
// cannot be a coincidence. oktaKeyRotated has the first and last character of oktaKey, so the
// masked remote value cannot tell them apart: only the Secret's change can.
const (
	oktaKey        = "okta-access-key-0001"
	oktaKeyRotated = "okta-rotated-access-key-0091"
	oktaKeyInvalid = "invalid-okta-key-7f3a"
	duoAccessKey   = "duo-access-key-0001"
	duoIKey        = "DIWJ8X6AEYOR5OMC6TQ1"
	duoSKey        = "duo-secret-key-0001-abcdef"
)

// newOkta returns an okta-verify MfaProviderConfig for tenant "acme" whose access key is
// in the Secret "okta-mfa"; it creates nothing.
func (f *fixture) newOkta(name string, mutate ...func(*mfav1.MfaProviderConfig)) *mfav1.MfaProviderConfig {
	p := &mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef:          mfav1.TenantReference{Name: "acme"},
			Method:             mfav1.MfaMethodOktaVerify,
			Host:               "acme.okta.com",
			IdentityAttribute:  "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: "okta-mfa", Key: "accessKey"},
		},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

// oktaConfig creates the Secret "okta-mfa" with accessKey and an okta-verify MfaProviderConfig.
func (f *fixture) oktaConfig(name, accessKey string, mutate ...func(*mfav1.MfaProviderConfig)) *mfav1.MfaProviderConfig {
	f.createSecret("okta-mfa", map[string]string{"accessKey": accessKey})
	p := f.newOkta(name, mutate...)
	Expect(k8s.Create(context.Background(), p)).To(Succeed())
	return p
}

// duoConfig creates the Secret "duo-mfa" with the three keys and a duo-web MfaProviderConfig
// that references them.
func (f *fixture) duoConfig(name, accessKey, ikey, skey string) *mfav1.MfaProviderConfig {
	f.createSecret("duo-mfa", map[string]string{"accessKey": accessKey, "ikey": ikey, "skey": skey})
	p := &mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef:          mfav1.TenantReference{Name: "acme"},
			Method:             mfav1.MfaMethodDuoWeb,
			Host:               "api-1234abcd.duosecurity.com",
			IdentityAttribute:  "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: "duo-mfa", Key: "accessKey"},
			Duo: &mfav1.DuoSpec{
				IntegrationKeySecretRef: mfav1.SecretKeySelector{Name: "duo-mfa", Key: "ikey"},
				SecretKeySecretRef:      mfav1.SecretKeySelector{Name: "duo-mfa", Key: "skey"},
			},
		},
	}
	Expect(k8s.Create(context.Background(), p)).To(Succeed())
	return p
}

// eventuallyReady waits until the named MfaProviderConfig is Ready at its generation.
func (f *fixture) eventuallyReady(name string) *mfav1.MfaProviderConfig {
	GinkgoHelper()
	obj := &mfav1.MfaProviderConfig{}
	f.eventuallyCondition(obj, name, mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
	return obj
}

// expectSettled checks that neither Reconciling nor Stalled is present.
func expectSettled(obj mfav1.Object) {
	GinkgoHelper()
	Expect(obj.GetCommonStatus().GetCondition(mfav1.TypeReconciling)).To(BeNil())
	Expect(obj.GetCommonStatus().GetCondition(mfav1.TypeStalled)).To(BeNil())
}

// expectStalled checks that Stalled is True with reason, and Reconciling is absent.
func expectStalled(obj mfav1.Object, reason string) {
	GinkgoHelper()
	c := obj.GetCommonStatus().GetCondition(mfav1.TypeStalled)
	Expect(c).NotTo(BeNil(), "no Stalled condition")
	Expect(c.Status).To(Equal(metav1.ConditionTrue))
	Expect(c.Reason).To(Equal(reason))
	Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
	Expect(obj.GetCommonStatus().GetCondition(mfav1.TypeReconciling)).To(BeNil())
}

// expectNoMaskedValueSent checks that no PUT sent a masked secret back to SailPoint.
func (f *fixture) expectNoMaskedValueSent() {
	GinkgoHelper()
	for _, r := range f.emu.Requests() {
		Expect(r.Notes).To(BeEmpty(), "%s %s", r.Method, r.Path)
	}
}

func boolRef(b bool) *bool { return &b }

var _ = Describe("MfaProviderConfig", func() {
	var f *fixture
	BeforeEach(func() {
		f = newFixture()
		// Registered after the fixture's cleanup, so it runs before it, while the objects
		// are still there.
		DeferCleanup(func() { f.expectNoSecretLeaks() })
	})

	Context("when applying", func() {
		It("applies a new okta-verify config with exactly one PUT carrying the real key, tests it once, and becomes Ready", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)

			obj := f.eventuallyReady("okta")
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Reason).To(Equal(mfav1.ReasonSynced))
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Reason).To(Equal(mfav1.ReasonTestSucceeded))
			expectSettled(obj)
			for _, c := range obj.Status.Conditions {
				Expect(c.ObservedGeneration).To(Equal(obj.Generation), "condition %s", c.Type)
			}
			Expect(obj.Status.ObservedGeneration).To(Equal(obj.Generation))
			Expect(obj.Status.AppliedGeneration).To(Equal(obj.Generation))
			Expect(obj.Status.LastAppliedTime).NotTo(BeNil())
			Expect(obj.Status.LastTest).NotTo(BeNil())
			Expect(obj.Status.LastTest.State).To(Equal(mfav1.TestStateSuccess))
			Expect(obj.Finalizers).To(ContainElement(mfav1.Finalizer))

			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(1))
			stored, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
			Expect(stored).To(Equal(emulator.OktaConfig{
				Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email",
			}))
			f.expectNoMaskedValueSent()

			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.EventReasonApplied)
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.ReasonTestSucceeded)
		})

		It("applies a new duo-web config with its integration and secret keys, tests it once, becomes Ready, and does not re-apply it", func() {
			f.adminTenant()
			f.duoConfig("duo", duoAccessKey, duoIKey, duoSKey)

			obj := f.eventuallyReady("duo")
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Reason).To(Equal(mfav1.ReasonTestSucceeded))
			expectSettled(obj)
			Expect(f.emu.CountRequests(http.MethodPut, duoConfigPath)).To(Equal(1))
			Expect(f.emu.CountRequests(http.MethodGet, duoTestPath)).To(Equal(1))
			Expect(f.remoteCalls("/v3/mfa/okta-verify")).To(BeZero())
			stored, ok := f.emu.StoredDuoConfig()
			Expect(ok).To(BeTrue())
			Expect(stored.Enabled).To(BeTrue())
			Expect(stored.Host).To(Equal("api-1234abcd.duosecurity.com"))
			Expect(stored.IdentityAttribute).To(Equal("email"))
			Expect(stored.AccessKey).To(Equal(duoAccessKey))
			Expect(stored.ConfigProperties).To(HaveKeyWithValue("ikey", duoIKey))
			Expect(stored.ConfigProperties).To(HaveKeyWithValue("skey", duoSKey))

			// SailPoint returns skey masked and ikey in clear: both must compare equal.
			f.forceReconcile(&mfav1.MfaProviderConfig{}, "duo")
			Expect(f.emu.CountRequests(http.MethodPut, duoConfigPath)).To(Equal(1))
			f.expectNoMaskedValueSent()
		})

		It("makes no further PUT or test when reconciled again without a change", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")
			gets := f.emu.CountRequests(http.MethodGet, oktaConfigPath)

			obj := &mfav1.MfaProviderConfig{}
			for range 3 {
				f.forceReconcile(obj, "okta")
			}
			Expect(f.emu.CountRequests(http.MethodGet, oktaConfigPath)).To(BeNumerically(">=", gets+3),
				"each forced reconcile reads the remote configuration")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(1))
			Expect(obj.Status.IsReady(obj.Generation)).To(BeTrue())
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.ReasonTestSucceeded)
			Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.EventReasonApplied)).To(HaveLen(1))
			Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.ReasonTestSucceeded)).To(HaveLen(1))
			Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.EventReasonDriftCorrected)).To(BeEmpty())
		})

		It("applies a spec change with exactly one more PUT, re-tests, and observes the new generation", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			obj := &mfav1.MfaProviderConfig{}
			f.patch(obj, "okta", func() { obj.Spec.Host = "acme-new.okta.com" })
			Expect(obj.Generation).To(Equal(int64(2)))
			obj = f.eventuallyReady("okta")
			Expect(obj.Status.ObservedGeneration).To(Equal(int64(2)))
			Expect(obj.Status.AppliedGeneration).To(Equal(int64(2)))
			for _, c := range obj.Status.Conditions {
				Expect(c.ObservedGeneration).To(Equal(int64(2)), "condition %s", c.Type)
			}

			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(2))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("acme-new.okta.com"))
			Expect(stored.AccessKey).To(Equal(oktaKey))
			Eventually(func() int {
				return len(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.EventReasonApplied))
			}, 10*time.Second, 100*time.Millisecond).Should(Equal(2))
			Expect(f.eventsFor(kindMfaProviderConfig, "okta", mfav1.EventReasonDriftCorrected)).To(BeEmpty())
		})

		It("applies a rotated Secret within seconds, without any change to the object", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			before := f.eventuallyReady("okta")

			f.createSecret("okta-mfa", map[string]string{"accessKey": oktaKeyRotated})
			Eventually(func() string {
				stored, _ := f.emu.StoredOktaConfig()
				return stored.AccessKey
			}, 10*time.Second, 50*time.Millisecond).Should(Equal(oktaKeyRotated))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))

			obj := &mfav1.MfaProviderConfig{}
			Eventually(func(g Gomega) {
				f.get(obj, "okta")
				g.Expect(obj.Status.AppliedSecretVersions).NotTo(Equal(before.Status.AppliedSecretVersions))
				g.Expect(obj.Status.IsReady(obj.Generation)).To(BeTrue())
			}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
			Expect(obj.Generation).To(Equal(before.Generation))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(2))
			f.expectNoSecretLeaks(oktaKey)
		})

		It("applies a rotated Duo secret key, without any change to the object", func() {
			f.adminTenant()
			f.duoConfig("duo", duoAccessKey, duoIKey, duoSKey)
			f.eventuallyReady("duo")

			const rotated = "duo-rotated-secret-key-0002-f"
			f.createSecret("duo-mfa", map[string]string{"accessKey": duoAccessKey, "ikey": duoIKey, "skey": rotated})
			Eventually(func() any {
				stored, _ := f.emu.StoredDuoConfig()
				return stored.ConfigProperties["skey"]
			}, 10*time.Second, 50*time.Millisecond).Should(Equal(rotated))
			Expect(f.emu.CountRequests(http.MethodPut, duoConfigPath)).To(Equal(2))
			f.expectNoSecretLeaks(duoSKey)
		})

		It("corrects remote drift on the next reconcile and records a DriftCorrected event", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			f.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "evil.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
			f.forceReconcile(&mfav1.MfaProviderConfig{}, "okta")

			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored).To(Equal(emulator.OktaConfig{
				Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email",
			}))
			f.expectNoMaskedValueSent()
			ev := f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.EventReasonDriftCorrected)
			Expect(ev.Note).To(ContainSubstring("host"))
			Expect(ev.Note).NotTo(ContainSubstring("evil.okta.com"))
			f.eventuallyReady("okta")
		})

		It("re-applies a remote config deleted behind its back", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			f.emu.DeleteConfig(emulator.MethodOkta)
			f.forceReconcile(&mfav1.MfaProviderConfig{}, "okta")
			stored, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
			Expect(stored.AccessKey).To(Equal(oktaKey))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
		})
	})

	Context("with its tenant", func() {
		It("follows the tenant to a new baseURL and applies the config there", func() {
			tenant := f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			other := emulator.New(emulator.Config{})
			server := httptest.NewServer(other.Handler())
			DeferCleanup(server.Close)
			f.patch(tenant, "acme", func() { tenant.Spec.BaseURL = server.URL })
			f.eventuallyCondition(tenant, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)

			Eventually(func() string {
				stored, _ := other.StoredOktaConfig()
				return stored.AccessKey
			}, 10*time.Second, 50*time.Millisecond).Should(Equal(oktaKey))
			Expect(other.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			f.eventuallyReady("okta")
		})

		It("treats a config in another namespace, for a tenant with the same baseURL, as the older owner", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			// "zz-" sorts after "mfa-test-": f's config is the older one even within one second.
			g := f.sibling("zz-mfa-test-")
			DeferCleanup(func() { g.expectNoSecretLeaks() })
			g.adminTenant()
			g.oktaConfig("okta", oktaKeyRotated, func(p *mfav1.MfaProviderConfig) { p.Spec.Host = "other.okta.com" })

			obj := &mfav1.MfaProviderConfig{}
			g.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/okta"))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.AccessKey).To(Equal(oktaKey))
		})

		It("hands the remote config to exactly one of two configs created at once in different namespaces", func() {
			f.adminTenant()
			// "aa-" sorts before "mfa-test-": when both are created in the same second, g's
			// config is the older one although f's may already have applied.
			g := f.sibling("aa-mfa-test-")
			DeferCleanup(func() { g.expectNoSecretLeaks() })
			g.adminTenant()
			f.oktaConfig("okta", oktaKey)
			g.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) { p.Spec.Host = "other.okta.com" })

			fObj, gObj := &mfav1.MfaProviderConfig{}, &mfav1.MfaProviderConfig{}
			f.get(fObj, "okta")
			g.get(gObj, "okta")
			owner, other := f, g
			if olderThan(gObj, fObj) {
				owner, other = g, f
			}
			Eventually(func(gm Gomega) {
				older, younger := &mfav1.MfaProviderConfig{}, &mfav1.MfaProviderConfig{}
				gm.Expect(k8s.Get(context.Background(), owner.key("okta"), older)).To(Succeed())
				gm.Expect(k8s.Get(context.Background(), other.key("okta"), younger)).To(Succeed())
				gm.Expect(older.Status.IsReady(older.Generation)).To(BeTrue(), "the older config is Ready")
				c := younger.Status.GetCondition(mfav1.TypeSynced)
				gm.Expect(c).NotTo(BeNil())
				gm.Expect(c.Reason).To(Equal(mfav1.ReasonConflict), "the younger config is in Conflict")
				gm.Expect(c.Message).To(ContainSubstring(owner.ns + "/okta"))
			}, 30*time.Second, 100*time.Millisecond).Should(Succeed())

			wantHost := "acme.okta.com"
			if owner != f {
				wantHost = "other.okta.com"
			}
			Eventually(func() string {
				stored, _ := f.emu.StoredOktaConfig()
				return stored.Host
			}, 10*time.Second, 50*time.Millisecond).Should(Equal(wantHost))

			By("deleting the younger config, which must not delete what the older one manages")
			Expect(k8s.Delete(context.Background(), &mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: other.ns}})).To(Succeed())
			other.eventuallyGone(&mfav1.MfaProviderConfig{}, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			stored, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
			Expect(stored.Host).To(Equal(wantHost))
		})

		It("does not delete the remote config that an older config manages after its tenant moved to that config's baseURL", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			// g starts on its own emulator, applies there (and gets the finalizer), then its
			// tenant moves to f's emulator, where f's config is the older one.
			g := f.sibling("zz-mfa-test-")
			DeferCleanup(func() { g.expectNoSecretLeaks() })
			own := emulator.New(emulator.Config{})
			server := httptest.NewServer(own.Handler())
			DeferCleanup(server.Close)
			g.server = server
			tenant := g.adminTenant()
			obj := g.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) { p.Spec.Host = "other.okta.com" })
			g.eventuallyReady("okta")
			Expect(own.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))

			g.patch(tenant, "acme", func() { tenant.Spec.BaseURL = f.server.URL })
			g.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
			Expect(obj.Finalizers).To(ContainElement(mfav1.Finalizer))

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			g.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			stored, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
			Expect(stored.Host).To(Equal("acme.okta.com"))
			g.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.EventReasonOrphaned)
		})
	})

	Context("in Observe mode", func() {
		observe := func(p *mfav1.MfaProviderConfig) { p.Spec.ManagementPolicy = mfav1.ManagementPolicyObserve }

		It("never writes, and reports DriftDetected naming the differing fields without their values", func() {
			f.adminTenant()
			f.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "other.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
			f.oktaConfig("okta", oktaKey, observe)

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonDriftDetected)
			msg := obj.Status.GetCondition(mfav1.TypeSynced).Message
			Expect(msg).To(ContainSubstring("host"))
			Expect(msg).NotTo(ContainSubstring("accessKey"), "the access key matches")
			Expect(msg).NotTo(ContainSubstring("other.okta.com"))
			Expect(msg).NotTo(ContainSubstring("acme.okta.com"))
			Expect(msg).NotTo(ContainSubstring(oktaKey))
			ready := obj.Status.GetCondition(mfav1.TypeReady)
			Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			Expect(ready.Reason).To(Equal(mfav1.ReasonDriftDetected))
			Expect(obj.Finalizers).NotTo(ContainElement(mfav1.Finalizer))

			f.forceReconcile(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(BeZero())
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("other.okta.com"))

			By("reporting Observed once the remote config matches")
			f.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
			f.forceReconcile(obj, "okta")
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionTrue, mfav1.ReasonObserved)
			f.eventuallyReady("okta")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(BeZero())
		})

		It("leaves the remote config in place when the object is deleted", func() {
			f.adminTenant()
			f.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
			obj := f.oktaConfig("okta", oktaKey, observe)
			f.eventuallyReady("okta")

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			f.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			_, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
		})
	})

	Context("when testing", func() {
		It("reports a FAILED test as Tested False with SailPoint's error text, Stalled and not Ready, and recovers when the key is fixed", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKeyInvalid)

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeTested, metav1.ConditionFalse, mfav1.ReasonTestFailed)
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Message).To(Equal("Invalid access key."))
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Status).To(Equal(metav1.ConditionTrue))
			ready := obj.Status.GetCondition(mfav1.TypeReady)
			Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			Expect(ready.Reason).To(Equal(mfav1.ReasonTestFailed))
			expectStalled(obj, mfav1.ReasonTestFailed)
			Expect(obj.Status.LastTest.State).To(Equal(mfav1.TestStateFailed))
			Expect(obj.Status.LastTest.Message).To(Equal("Invalid access key."))
			ev := f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonTestFailed)
			Expect(ev.Note).To(Equal("Invalid access key."))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.AccessKey).To(Equal(oktaKeyInvalid))

			By("recovering when the Secret holds a valid key")
			f.createSecret("okta-mfa", map[string]string{"accessKey": oktaKey})
			obj = f.eventuallyReady("okta")
			expectSettled(obj)
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Reason).To(Equal(mfav1.ReasonTestSucceeded))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
			f.expectNoSecretLeaks(oktaKeyInvalid)
		})

		It("writes enabled false, skips the test and is Ready when the method is disabled; tests again once re-enabled", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) { p.Spec.Enabled = boolRef(false) })

			obj := f.eventuallyReady("okta")
			tested := obj.Status.GetCondition(mfav1.TypeTested)
			Expect(tested.Status).To(Equal(metav1.ConditionUnknown))
			Expect(tested.Reason).To(Equal(mfav1.ReasonDisabled))
			expectSettled(obj)
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(BeZero())
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Enabled).To(BeFalse())
			Expect(stored.AccessKey).To(Equal(oktaKey))

			f.forceReconcile(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(BeZero())

			By("enabling it again")
			f.patch(obj, "okta", func() { obj.Spec.Enabled = boolRef(true) })
			obj = f.eventuallyReady("okta")
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Reason).To(Equal(mfav1.ReasonTestSucceeded))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(1))
			stored, _ = f.emu.StoredOktaConfig()
			Expect(stored.Enabled).To(BeTrue())
		})
	})

	Context("when a reference is missing", func() {
		It("reports SecretNotFound without any call to SailPoint's API, and converges when the Secret appears", func() {
			f.adminTenant()
			Expect(k8s.Create(context.Background(), f.newOkta("okta"))).To(Succeed())

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonSecretNotFound)
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/okta-mfa"))
			ready := obj.Status.GetCondition(mfav1.TypeReady)
			Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			Expect(ready.Reason).To(Equal(mfav1.ReasonSecretNotFound))
			expectStalled(obj, mfav1.ReasonSecretNotFound)
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonSecretNotFound)
			Expect(f.remoteCalls("/v3/")).To(BeZero())
			Expect(f.emu.CountRequests(http.MethodPost, tokenPath)).To(Equal(1), "only the tenant's own token request")
			Expect(obj.Finalizers).To(BeEmpty())

			f.createSecret("okta-mfa", map[string]string{"accessKey": oktaKey})
			obj = f.eventuallyReady("okta")
			expectSettled(obj)
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
		})

		It("reports SecretNotFound when the Secret lacks the key, and converges when the key is added", func() {
			f.adminTenant()
			f.createSecret("okta-mfa", map[string]string{"otherKey": oktaKey})
			Expect(k8s.Create(context.Background(), f.newOkta("okta"))).To(Succeed())

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonSecretNotFound)
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(`"accessKey"`))
			Expect(f.remoteCalls("/v3/")).To(BeZero())

			f.createSecret("okta-mfa", map[string]string{"accessKey": oktaKey})
			f.eventuallyReady("okta")
		})

		It("reports TenantNotReady without remote calls while the tenant is not Ready, and converges when it becomes Ready", func() {
			f.createTenantWithoutSecret()
			f.oktaConfig("okta", oktaKey)

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonTenantNotReady)
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/acme"))
			Expect(f.emu.Requests()).To(BeEmpty())

			f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
			obj = f.eventuallyReady("okta")
			expectSettled(obj)
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
		})
	})

	Context("with two configs for one tenant and method", func() {
		It("lets only the older one write; the younger reports a Conflict naming it, and takes over when it is gone", func() {
			f.adminTenant()
			older := f.oktaConfig("okta-a", oktaKey)
			f.eventuallyReady("okta-a")
			Expect(k8s.Create(context.Background(), f.newOkta("okta-b", func(p *mfav1.MfaProviderConfig) {
				p.Spec.Host = "acme-b.okta.com"
			}))).To(Succeed())

			younger := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(younger, "okta-b", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
			Expect(younger.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/okta-a"))
			expectStalled(younger, mfav1.ReasonConflict)
			Expect(younger.Finalizers).To(BeEmpty())
			f.eventuallyEvent(kindMfaProviderConfig, "okta-b", corev1.EventTypeWarning, mfav1.ReasonConflict)

			f.forceReconcile(younger, "okta-b")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("acme.okta.com"))
			f.forceReconcile(&mfav1.MfaProviderConfig{}, "okta-a")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			f.eventuallyReady("okta-a")

			By("deleting the older one")
			Expect(k8s.Delete(context.Background(), older)).To(Succeed())
			f.eventuallyGone(older, "okta-a")
			f.eventuallyReady("okta-b")
			stored, _ = f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("acme-b.okta.com"))
		})
	})

	Context("when SailPoint pushes back", func() {
		It("waits out a 429 for its Retry-After, Reconciling and not Stalled, and then becomes Ready", func() {
			f.adminTenant()
			f.emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: 2 * time.Second, PathPrefix: "/v3/mfa/okta-verify"})
			f.oktaConfig("okta", oktaKey)

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonRateLimited)
			Expect(obj.Status.GetCondition(mfav1.TypeReady).Reason).To(Equal(mfav1.ReasonRateLimited))
			Expect(obj.Status.GetCondition(mfav1.TypeStalled)).To(BeNil())
			Expect(obj.Status.GetCondition(mfav1.TypeReconciling)).NotTo(BeNil())
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonRateLimited)

			obj = f.eventuallyReady("okta")
			expectSettled(obj)
			var limited []emulator.Request
			var retriedAt time.Time
			for _, r := range f.emu.Requests() {
				switch {
				case r.Status == http.StatusTooManyRequests:
					limited = append(limited, r)
				case len(limited) > 0 && retriedAt.IsZero() && strings.HasPrefix(r.Path, "/v3/mfa/okta-verify"):
					retriedAt = r.Time
				}
			}
			Expect(limited).To(HaveLen(1))
			Expect(limited[0].Path).To(HavePrefix("/v3/mfa/okta-verify"))
			Expect(retriedAt.Sub(limited[0].Time)).To(BeNumerically(">=", 1900*time.Millisecond), "retried before Retry-After")
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(1))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.AccessKey).To(Equal(oktaKey))
		})

		It("still tests a new configuration when the test after its apply got a 429", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")
			Expect(f.emu.CountRequests(http.MethodGet, oktaTestPath)).To(Equal(1))

			f.emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: time.Second, PathPrefix: oktaTestPath})
			obj := &mfav1.MfaProviderConfig{}
			f.patch(obj, "okta", func() { obj.Spec.Host = "acme-new.okta.com" })
			f.eventuallyCondition(obj, "okta", mfav1.TypeTested, metav1.ConditionUnknown, mfav1.ReasonTestPending)
			Expect(obj.Status.IsReady(obj.Generation)).To(BeFalse(), "Ready before the new configuration was tested")
			Eventually(func() int {
				return f.emu.CountRequests(http.MethodGet, oktaTestPath)
			}, 10*time.Second, 50*time.Millisecond).Should(Equal(3), "the 429'd test and its retry")
			obj = f.eventuallyReady("okta")
			Expect(obj.Status.GetCondition(mfav1.TypeTested).Reason).To(Equal(mfav1.ReasonTestSucceeded))
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(Equal(2))
		})

		It("refreshes an expired token once on a 401 and carries on", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")
			tokens := f.emu.CountRequests(http.MethodPost, tokenPath)

			f.emu.ExpireTokens()
			obj := &mfav1.MfaProviderConfig{}
			f.patch(obj, "okta", func() { obj.Spec.Host = "acme-new.okta.com" })
			obj = f.eventuallyReady("okta")
			Expect(obj.Generation).To(Equal(int64(2)))

			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("acme-new.okta.com"))
			Expect(f.emu.CountRequests(http.MethodPost, tokenPath)).To(Equal(tokens + 1))
			unauthorized := 0
			for _, r := range f.emu.Requests() {
				if r.Status == http.StatusUnauthorized {
					unauthorized++
				}
			}
			Expect(unauthorized).To(Equal(1))
		})

		It("reports Unreachable, Reconciling and not Stalled, when SailPoint cannot be reached", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			f.server.Close()
			obj := &mfav1.MfaProviderConfig{}
			f.forceReconcile(obj, "okta")
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonUnreachable)
			Expect(obj.Status.GetCondition(mfav1.TypeReady).Reason).To(Equal(mfav1.ReasonUnreachable))
			Expect(obj.Status.GetCondition(mfav1.TypeReconciling)).NotTo(BeNil())
			Expect(obj.Status.GetCondition(mfav1.TypeStalled)).To(BeNil())
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).NotTo(ContainSubstring(f.server.URL))
		})

		It("reports Forbidden and Stalled, naming ORG_ADMIN, when the tenant's identity is not an ORG_ADMIN", func() {
			f.createTenant(emulator.DefaultUserClientID, emulator.DefaultUserClientSecret)
			f.eventuallyCondition(&mfav1.SailPointTenant{}, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
			f.oktaConfig("okta", oktaKey)

			obj := &mfav1.MfaProviderConfig{}
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonForbidden)
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring("ORG_ADMIN"))
			ready := obj.Status.GetCondition(mfav1.TypeReady)
			Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			Expect(ready.Reason).To(Equal(mfav1.ReasonForbidden))
			expectStalled(obj, mfav1.ReasonForbidden)
			Expect(obj.Finalizers).To(BeEmpty())
			Expect(f.emu.CountRequests(http.MethodPut, oktaConfigPath)).To(BeZero())
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonForbidden)
		})
	})

	Context("when deleted", func() {
		It("with deletionPolicy Delete removes the remote config with one DELETE before the object goes", func() {
			f.adminTenant()
			obj := f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			f.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(Equal(1))
			_, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeFalse())
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.EventReasonDeleted)
		})

		It("with deletionPolicy Orphan leaves the remote config when the object goes", func() {
			f.adminTenant()
			obj := f.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) {
				p.Spec.DeletionPolicy = mfav1.DeletionPolicyOrphan
			})
			f.eventuallyReady("okta")

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			f.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			stored, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
			Expect(stored.AccessKey).To(Equal(oktaKey))
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeNormal, mfav1.EventReasonOrphaned)
		})

		It("says DeletionBlocked with a Warning event when its tenant is gone, and goes away once deletionPolicy is Orphan", func() {
			tenant := f.adminTenant()
			obj := f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			Expect(k8s.Delete(context.Background(), tenant)).To(Succeed())
			f.eventuallyGone(tenant, "acme")
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonTenantNotReady)

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonDeletionBlocked)
			Expect(obj.DeletionTimestamp).NotTo(BeNil())
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring("deletionPolicy: Orphan"))
			expectStalled(obj, mfav1.ReasonDeletionBlocked)
			f.eventuallyEvent(kindMfaProviderConfig, "okta", corev1.EventTypeWarning, mfav1.ReasonDeletionBlocked)

			f.patch(obj, "okta", func() { obj.Spec.DeletionPolicy = mfav1.DeletionPolicyOrphan })
			f.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())
			_, ok := f.emu.StoredOktaConfig()
			Expect(ok).To(BeTrue())
		})
	})

	Context("when suspended", func() {
		It("does not delete the remote config while suspended, and says how to get out", func() {
			f.adminTenant()
			obj := f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")
			f.patch(obj, "okta", func() { obj.Spec.Suspend = true })
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended)

			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended)
			Expect(obj.DeletionTimestamp).NotTo(BeNil())
			Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring("deletionPolicy: Orphan"))
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(BeZero())

			f.patch(obj, "okta", func() { obj.Spec.Suspend = false })
			f.eventuallyGone(obj, "okta")
			Expect(f.emu.CountRequests(http.MethodDelete, oktaDeletePath)).To(Equal(1))
		})

		It("makes no remote call and reports Synced Unknown Suspended; resumes without a PUT when nothing changed", func() {
			f.adminTenant()
			f.oktaConfig("okta", oktaKey)
			f.eventuallyReady("okta")

			obj := &mfav1.MfaProviderConfig{}
			f.patch(obj, "okta", func() { obj.Spec.Suspend = true })
			f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended)
			Expect(obj.Status.GetCondition(mfav1.TypeReady).Reason).To(Equal(mfav1.ReasonSuspended))
			calls := len(f.emu.Requests())

			f.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "evil.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
			f.forceReconcile(obj, "okta")
			f.forceReconcile(obj, "okta")
			Expect(f.emu.Requests()).To(HaveLen(calls))
			stored, _ := f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("evil.okta.com"))

			By("resuming")
			f.patch(obj, "okta", func() { obj.Spec.Suspend = false })
			f.eventuallyReady("okta")
			stored, _ = f.emu.StoredOktaConfig()
			Expect(stored.Host).To(Equal("acme.okta.com"))
		})
	})

	It("echoes reconcile.fluxcd.io/requestedAt in status.lastHandledReconcileAt", func() {
		f.adminTenant()
		f.oktaConfig("okta", oktaKey)
		obj := f.eventuallyReady("okta")

		v := requestReconcile(obj)
		Eventually(func(g Gomega) {
			f.get(obj, "okta")
			g.Expect(obj.Status.LastHandledReconcileAt).To(Equal(v))
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
		Expect(obj.Generation).To(Equal(int64(1)))
	})

	It("publishes its conditions and the tenant's API requests as Prometheus metrics, and drops its series when gone", func() {
		f.adminTenant()
		obj := f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")

		series := func(condition, status string) map[string]string {
			return map[string]string{
				"kind": kindMfaProviderConfig, "namespace": f.ns, "name": "okta",
				"condition": condition, "status": status,
			}
		}
		Eventually(func() float64 {
			v, _ := metricValue("sailpoint_mfa_resource_condition", series(mfav1.TypeReady, "True"))
			return v
		}, 10*time.Second, 50*time.Millisecond).Should(Equal(1.0))
		v, ok := metricValue("sailpoint_mfa_resource_condition", series(mfav1.TypeReady, "False"))
		Expect(ok).To(BeTrue())
		Expect(v).To(BeZero())
		v, _ = metricValue("sailpoint_mfa_resource_condition", series(mfav1.TypeTested, "True"))
		Expect(v).To(Equal(1.0))
		v, _ = metricValue("sailpoint_mfa_resource_condition", map[string]string{
			"kind": kindSailPointTenant, "namespace": f.ns, "name": "acme", "condition": mfav1.TypeReady, "status": "True",
		})
		Expect(v).To(Equal(1.0))

		requests := metricSeries("sailpoint_api_requests_total", map[string]string{"tenant": f.ns + "/acme"})
		Expect(requests).NotTo(BeEmpty())
		var operations []string
		for _, s := range requests {
			operations = append(operations, s["operation"]+" "+s["code"])
		}
		Expect(operations).To(ContainElement(HavePrefix("Token 200")))
		Expect(strings.Join(operations, ",")).To(ContainSubstring(" 200"))
		Expect(metricSeries("sailpoint_api_request_duration_seconds", map[string]string{"tenant": f.ns + "/acme"})).NotTo(BeEmpty())

		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		f.eventuallyGone(obj, "okta")
		Eventually(func() []map[string]string {
			return metricSeries("sailpoint_mfa_resource_condition", map[string]string{
				"kind": kindMfaProviderConfig, "namespace": f.ns, "name": "okta",
			})
		}, 10*time.Second, 50*time.Millisecond).Should(BeEmpty())
	})

	It("never shows a key, client secret or token in status, events or logs, whatever happens", func() {
		f.adminTenant()
		f.duoConfig("duo", duoAccessKey, duoIKey, duoSKey)
		f.oktaConfig("okta", oktaKeyInvalid)
		f.eventuallyReady("duo")
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "okta", mfav1.TypeTested, metav1.ConditionFalse, mfav1.ReasonTestFailed)

		f.emu.SetDuoConfig(emulator.DuoConfig{Enabled: true, Host: "evil.duosecurity.com", AccessKey: duoAccessKey,
			IdentityAttribute: "email", ConfigProperties: map[string]any{"ikey": "DIOTHERIKEY000000000", "skey": duoSKey}})
		f.forceReconcile(&mfav1.MfaProviderConfig{}, "duo")
		stored, _ := f.emu.StoredDuoConfig()
		Expect(stored.ConfigProperties).To(HaveKeyWithValue("ikey", duoIKey))

		f.emu.SetFaults(emulator.Faults{ServerErrors: 1000, PathPrefix: "/v3/mfa/duo-web"})
		f.forceReconcile(&mfav1.MfaProviderConfig{}, "duo")
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "duo", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonRemoteError)
		f.emu.SetFaults(emulator.Faults{})
		f.emu.ExpireTokens()
		f.createSecret("okta-mfa", map[string]string{"accessKey": oktaKey})
		f.eventuallyReady("okta")
		f.forceReconcile(&mfav1.MfaProviderConfig{}, "duo")
		f.eventuallyReady("duo")

		f.expectNoSecretLeaks(oktaKeyInvalid)
	})
})

func TestRemoteOutcome(t *testing.T) {
	const interval = 10 * time.Minute
	tests := []struct {
		name       string
		err        error
		reason     string
		progress   progress
		returned   bool // the error is returned, for the controller's backoff
		requeueMin time.Duration
		requeueMax time.Duration
	}{
		{"a 429 is RateLimited and retried after its Retry-After", &sailpoint.APIError{StatusCode: 429, RetryAfter: 3 * time.Second},
			mfav1.ReasonRateLimited, reconciling, false, 3 * time.Second, 3 * time.Second},
		{"a 429 without Retry-After is retried after a second", &sailpoint.APIError{StatusCode: 429},
			mfav1.ReasonRateLimited, reconciling, false, time.Second, time.Second},
		{"a 400 is BadRequest and Stalled", &sailpoint.APIError{StatusCode: 400},
			mfav1.ReasonBadRequest, stalled, false, interval, interval + interval/10},
		{"a 401 after a fresh token is Unauthorized and Stalled", &sailpoint.APIError{StatusCode: 401},
			mfav1.ReasonUnauthorized, stalled, false, interval, interval + interval/10},
		{"a 403 is Forbidden and Stalled", &sailpoint.APIError{StatusCode: 403},
			mfav1.ReasonForbidden, stalled, false, interval, interval + interval/10},
		{"a 500 is a RemoteError retried with backoff", &sailpoint.APIError{StatusCode: 500},
			mfav1.ReasonRemoteError, reconciling, true, 0, 0},
		{"a network error is Unreachable and retried with backoff", &sailpoint.TransportError{Operation: "get okta-verify config", Err: errors.New("connection refused")},
			mfav1.ReasonUnreachable, reconciling, true, 0, 0},
		{"a response that is not the expected JSON is a RemoteError", fmt.Errorf("sailpoint: x: %w", sailpoint.ErrInvalidResponse),
			mfav1.ReasonRemoteError, reconciling, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, res, err := remoteOutcome(outcome{}, "read the okta-verify configuration", providerForbiddenHint, tt.err, interval)
			if o.Synced.Status != metav1.ConditionFalse || o.Synced.Reason != tt.reason || o.Progress != tt.progress {
				t.Errorf("Synced = %+v, progress %d; want False %s, progress %d", o.Synced, o.Progress, tt.reason, tt.progress)
			}
			if !strings.HasPrefix(o.Synced.Message, "Cannot read the okta-verify configuration: ") {
				t.Errorf("message = %q", o.Synced.Message)
			}
			if (err != nil) != tt.returned {
				t.Errorf("error = %v, want returned: %v", err, tt.returned)
			}
			if res.RequeueAfter < tt.requeueMin || res.RequeueAfter > tt.requeueMax {
				t.Errorf("requeueAfter = %v, want %v..%v", res.RequeueAfter, tt.requeueMin, tt.requeueMax)
			}
		})
	}
}

func TestTestDue(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &MfaProviderConfigReconciler{Now: func() time.Time { return now }}
	tested := func(reason string, at time.Time) *mfav1.MfaProviderConfig {
		p := &mfav1.MfaProviderConfig{}
		p.Status.Conditions = []metav1.Condition{{Type: mfav1.TypeTested, Status: metav1.ConditionTrue, Reason: reason}}
		p.Status.LastTest = &mfav1.TestResult{State: mfav1.TestStateSuccess, Time: metav1.NewTime(at)}
		return p
	}
	tests := []struct {
		name string
		obj  *mfav1.MfaProviderConfig
		want bool
	}{
		{"a config never tested is due", &mfav1.MfaProviderConfig{}, true},
		{"a config tested within the interval is not due", tested(mfav1.ReasonTestSucceeded, now.Add(-9*time.Minute)), false},
		{"a config tested an interval ago is due", tested(mfav1.ReasonTestSucceeded, now.Add(-10*time.Minute)), true},
		{"a config whose method was disabled is due once enabled", tested(mfav1.ReasonDisabled, now.Add(-time.Minute)), true},
		{"a config applied since its last test, whose test did not run, is due", tested(mfav1.ReasonTestPending, now.Add(-time.Minute)), true},
		{"a config whose last test failed is not due before the interval", tested(mfav1.ReasonTestFailed, now.Add(-time.Minute)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.testDue(tt.obj, 10*time.Minute); got != tt.want {
				t.Errorf("testDue() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOlderThan(t *testing.T) {
	at := func(ns, name string, sec int64) *mfav1.MfaProviderConfig {
		p := &mfav1.MfaProviderConfig{}
		p.Namespace, p.Name = ns, name
		p.CreationTimestamp = metav1.Unix(sec, 0)
		return p
	}
	tests := []struct {
		name string
		a, b *mfav1.MfaProviderConfig
		want bool
	}{
		{"an earlier creationTimestamp is older, whatever the names", at("z", "z", 1), at("a", "a", 2), true},
		{"a later creationTimestamp is younger", at("a", "a", 2), at("z", "z", 1), false},
		{"within one second the smaller namespace is older", at("a", "z", 1), at("b", "a", 1), true},
		{"within one second and namespace the smaller name is older", at("a", "a", 1), at("a", "b", 1), true},
		{"an object is not older than itself", at("a", "a", 1), at("a", "a", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := olderThan(tt.a, tt.b); got != tt.want {
				t.Errorf("olderThan() = %v, want %v", got, tt.want)
			}
		})
	}
}
