package controller

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

var _ = Describe("SailPointTenant", func() {
	var f *fixture
	BeforeEach(func() {
		f = newFixture()
		DeferCleanup(func() { f.expectNoSecretLeaks() })
	})

	It("becomes Ready (Authenticated) with identityID and tokenExpiresAt, and no token in status", func() {
		start := time.Now()
		f.adminTenant()

		t := &mfav1.SailPointTenant{}
		f.get(t, "acme")
		ready := t.Status.GetCondition(mfav1.TypeReady)
		Expect(ready.Message).To(ContainSubstring(f.server.URL + "/oauth/token"))
		Expect(t.Status.ObservedGeneration).To(Equal(t.Generation))
		expectSettled(t)
		Expect(t.Status.IdentityID).To(Equal(emulator.DefaultAdminIdentityID))
		Expect(t.Status.TokenExpiresAt).NotTo(BeNil())
		Expect(t.Status.TokenExpiresAt.Time).To(BeTemporally("~", start.Add(emulator.DefaultTokenLifetime), 30*time.Second))

		Expect(f.emu.CountRequests(http.MethodPost, tokenPath)).To(Equal(1))
		Expect(f.remoteCalls("/v3/")).To(BeZero())
		status, err := json.Marshal(t.Status)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(status)).NotTo(ContainSubstring(jwtPrefix))
		Expect(string(status)).NotTo(ContainSubstring(emulator.DefaultAdminClientSecret))

		By("reusing the cached token when reconciled again")
		f.forceReconcile(t, "acme")
		Expect(f.emu.CountRequests(http.MethodPost, tokenPath)).To(Equal(1))
		Expect(t.Status.IsReady(t.Generation)).To(BeTrue())
	})

	It("reports InvalidCredentials and Stalled when the token endpoint refuses the credentials, and recovers when the Secret is corrected", func() {
		f.createTenant(emulator.DefaultAdminClientID, "not-the-admin-secret-42")

		t := &mfav1.SailPointTenant{}
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonInvalidCredentials)
		expectStalled(t, mfav1.ReasonInvalidCredentials)
		Expect(t.Status.TokenExpiresAt).To(BeNil())
		Expect(t.Status.GetCondition(mfav1.TypeReady).Message).NotTo(ContainSubstring("not-the-admin-secret-42"))
		f.eventuallyEvent(kindSailPointTenant, "acme", "Warning", mfav1.ReasonInvalidCredentials)

		f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
		expectSettled(t)
		Expect(t.Generation).To(Equal(int64(1)))
		Expect(t.Status.IdentityID).To(Equal(emulator.DefaultAdminIdentityID))
		f.expectNoSecretLeaks("not-the-admin-secret-42")
	})

	It("reports SecretNotFound while its Secret is missing, and becomes Ready once the Secret is created, without a spec change", func() {
		f.createTenantWithoutSecret()

		t := &mfav1.SailPointTenant{}
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonSecretNotFound)
		Expect(t.Status.GetCondition(mfav1.TypeReady).Message).To(ContainSubstring(f.ns + "/acme-pat"))
		expectStalled(t, mfav1.ReasonSecretNotFound)
		Expect(f.emu.Requests()).To(BeEmpty())
		f.eventuallyEvent(kindSailPointTenant, "acme", "Warning", mfav1.ReasonSecretNotFound)

		f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
		expectSettled(t)
		Expect(t.Generation).To(Equal(int64(1)))
		Expect(f.emu.CountRequests(http.MethodPost, tokenPath)).To(Equal(1))
	})

	It("reports Unreachable, not Stalled, when the token endpoint answers 5xx, and becomes Ready once it recovers", func() {
		f.emu.SetFaults(emulator.Faults{ServerErrors: 1000, PathPrefix: tokenPath})
		f.createTenant(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)

		t := &mfav1.SailPointTenant{}
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonUnreachable)
		Expect(t.Status.GetCondition(mfav1.TypeStalled)).To(BeNil())
		Expect(t.Status.GetCondition(mfav1.TypeReconciling)).NotTo(BeNil())

		f.emu.SetFaults(emulator.Faults{})
		f.forceReconcile(t, "acme")
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
		expectSettled(t)
	})

	It("uses rotated credentials at once: a new token for the new identity, for the tenant and its configs", func() {
		f.adminTenant()
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")

		f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultUserClientID, "clientSecret": emulator.DefaultUserClientSecret})
		t := &mfav1.SailPointTenant{}
		Eventually(func(g Gomega) {
			f.get(t, "acme")
			g.Expect(t.Status.IdentityID).To(Equal(emulator.DefaultUserIdentityID))
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
		Expect(t.Status.IsReady(t.Generation)).To(BeTrue())
		Expect(t.Generation).To(Equal(int64(1)))

		obj := &mfav1.MfaProviderConfig{}
		f.forceReconcile(obj, "okta")
		f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonForbidden)
		f.expectNoSecretLeaks(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
	})

	It("reports SecretNotFound, and forgets its token's expiry, when its Secret is deleted", func() {
		f.adminTenant()
		Expect(k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "acme-pat", Namespace: f.ns}})).To(Succeed())

		t := &mfav1.SailPointTenant{}
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonSecretNotFound)
		expectStalled(t, mfav1.ReasonSecretNotFound)
		Expect(t.Status.TokenExpiresAt).To(BeNil())
	})

	It("accepts a baseURL with a trailing slash and names the token URL it used", func() {
		f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
		Expect(k8s.Create(context.Background(), &mfav1.SailPointTenant{
			ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: f.ns},
			Spec: mfav1.SailPointTenantSpec{
				BaseURL:              f.server.URL + "/",
				CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
			},
		})).To(Succeed())

		t := &mfav1.SailPointTenant{}
		f.eventuallyCondition(t, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
		Expect(t.Status.GetCondition(mfav1.TypeReady).Message).To(HaveSuffix(" " + f.server.URL + "/oauth/token"))
	})

	It("echoes reconcile.fluxcd.io/requestedAt in status.lastHandledReconcileAt", func() {
		t := f.adminTenant()
		v := requestReconcile(t)
		Eventually(func(g Gomega) {
			f.get(t, "acme")
			g.Expect(t.Status.LastHandledReconcileAt).To(Equal(v))
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	})

	It("drops its condition series and its SailPoint API series when deleted", func() {
		t := f.adminTenant()
		labels := map[string]string{"kind": kindSailPointTenant, "namespace": f.ns, "name": "acme"}
		api := map[string]string{"tenant": f.ns + "/acme"}
		Eventually(func() []map[string]string {
			return metricSeries("sailpoint_mfa_resource_condition", labels)
		}, 10*time.Second, 50*time.Millisecond).ShouldNot(BeEmpty())
		Expect(metricSeries("sailpoint_api_requests_total", api)).NotTo(BeEmpty())

		Expect(k8s.Delete(context.Background(), t)).To(Succeed())
		f.eventuallyGone(t, "acme")
		Eventually(func() []map[string]string {
			return metricSeries("sailpoint_mfa_resource_condition", labels)
		}, 10*time.Second, 50*time.Millisecond).Should(BeEmpty())
		Eventually(func() []map[string]string {
			return append(metricSeries("sailpoint_api_requests_total", api), metricSeries("sailpoint_api_request_duration_seconds", api)...)
		}, 10*time.Second, 50*time.Millisecond).Should(BeEmpty(), "the API series of a tenant that is gone (defect 9)")
	})
})
