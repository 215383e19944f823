package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint/sailpointfake"
)

// The specs of this file pin the defects of issue 9 and the branches no other spec reached.

// uniqueSecret returns a secret value no other spec uses, so that finding it in the shared
// manager log can only be this spec's leak.
func uniqueSecret(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// readyFakeOkta returns a fake fixture with its tenant and a Ready okta-verify config "okta".
func readyFakeOkta() *fakeFixture {
	f := newFakeFixture()
	f.fakeTenant(f.baseURL)
	f.oktaConfig("okta", oktaKey)
	f.eventuallyReady("okta")
	return f
}

// expectNoCall checks, for a second, that the fake gets no call of op.
func expectNoCall(api *sailpointfake.Fake, op sailpointfake.Op, since int) {
	GinkgoHelper()
	Consistently(func() int { return api.Count(op) - since }, time.Second, 50*time.Millisecond).Should(BeZero(), "%s was called", op)
}

var _ = Describe("Issue 9's defects", func() {
	It("emits Applied for KBA answers once, when stored, however often a failing answers POST is retried (defect 1)", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		f.api.FailNext(sailpointfake.OpSetKbaAnswers, retries, sailpointfake.HTTPError(http.StatusServiceUnavailable, "set kba answers"))
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("kba", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("kba")
		Expect(f.api.Count(sailpointfake.OpSetKbaAnswers)).To(BeNumerically(">", retries))
		Consistently(func() int { return emitted(f.eventsFor(kindMfaKbaAnswers, "kba", mfav1.EventReasonApplied)) }, time.Second, 100*time.Millisecond).
			Should(Equal(1))
	})

	It("emits no Applied while SailPoint answers that the KBA answers were not stored, and one once they are (defect 1, answers not stored)", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		var refused atomic.Int32
		f.api.SetKbaAnswersFunc = func(_ context.Context, answers []sailpoint.KbaAnswerRequestItem) ([]sailpoint.KbaAnswerResponseItem, error) {
			if refused.Add(1) > retries {
				return nil, sailpointfake.ErrDefault
			}
			out := make([]sailpoint.KbaAnswerResponseItem, 0, len(answers))
			for _, a := range answers {
				out = append(out, sailpoint.KbaAnswerResponseItem{ID: a.ID, HasAnswer: false})
			}
			return out, nil
		}
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("kba", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("kba")
		Expect(refused.Load()).To(BeNumerically(">", retries), "the answers were not posted again until stored")
		Consistently(func() int { return emitted(f.eventsFor(kindMfaKbaAnswers, "kba", mfav1.EventReasonApplied)) }, time.Second, 100*time.Millisecond).
			Should(Equal(1))
	})

	It("retries a provider deletion whose tenant client cannot be built for a transient reason, instead of blocking it (defect 2)", func() {
		f := readyFakeOkta()
		f.failBuild(&sailpoint.TransportError{Operation: "read the credentials Secret", Err: context.DeadlineExceeded})
		// A change of the credentials Secret makes the operator build the client again.
		sec := &corev1.Secret{}
		f.get(sec, "acme-pat")
		Expect(k8s.Patch(context.Background(), sec, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"rotated":"yes"}}}`)))).To(Succeed())
		// The tenant has seen the change (its client cannot be built) before the deletion starts.
		Eventually(func(g Gomega) metav1.ConditionStatus {
			t := &mfav1.SailPointTenant{}
			g.Expect(k8s.Get(context.Background(), f.key("acme"), t)).To(Succeed())
			g.Expect(t.Status.GetCondition(mfav1.TypeReady)).NotTo(BeNil())
			return t.Status.GetCondition(mfav1.TypeReady).Status
		}, 10*time.Second, 50*time.Millisecond).Should(Equal(metav1.ConditionFalse))
		obj := &mfav1.MfaProviderConfig{}
		f.get(obj, "okta")
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(k8s.Get(context.Background(), f.key("okta"), obj)).To(Succeed())
			c := obj.Status.GetCondition(mfav1.TypeStalled)
			g.Expect(c == nil || c.Status != metav1.ConditionTrue).To(BeTrue(), "Stalled: %v", c)
		}, 2*time.Second, 50*time.Millisecond).Should(Succeed())
		Expect(f.api.Count(sailpointfake.OpDeleteConfig)).To(BeZero())
		f.failBuild(nil)
		f.eventuallyGone(obj, "okta")
		Expect(f.api.Count(sailpointfake.OpDeleteConfig)).To(Equal(1))
	})

	It("keeps another controller's finalizer added just before the operator adds its own (defect 4)", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		const foreign = "example.com/other-controller"
		var once sync.Once
		f.api.GetOktaConfigFunc = func(ctx context.Context) (*sailpoint.MfaOktaConfig, error) {
			once.Do(func() {
				defer GinkgoRecover()
				obj := &mfav1.MfaProviderConfig{}
				Expect(k8s.Get(ctx, f.key("okta"), obj)).To(Succeed())
				obj.Finalizers = append(obj.Finalizers, foreign)
				Expect(k8s.Update(ctx, obj)).To(Succeed())
			})
			return nil, sailpointfake.ErrDefault
		}
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")
		Eventually(func(g Gomega) []string {
			obj := &mfav1.MfaProviderConfig{}
			g.Expect(k8s.Get(context.Background(), f.key("okta"), obj)).To(Succeed())
			return obj.Finalizers
		}, 10*time.Second, 50*time.Millisecond).Should(ConsistOf(foreign, mfav1.Finalizer))
	})

	It("echoes requestedAt only from the pass that handled it, not from one skipped because the cache was behind (defect 7)", func() {
		f := readyFakeOkta()
		puts := f.api.Count(sailpointfake.OpSetOktaConfig)
		// While the operator reads the remote configuration, someone else changes the object:
		// the cache is then behind the API server, so the pass must not write to SailPoint.
		var armed atomic.Bool
		f.api.GetOktaConfigFunc = func(ctx context.Context) (*sailpoint.MfaOktaConfig, error) {
			if armed.CompareAndSwap(true, false) {
				defer GinkgoRecover()
				obj := &mfav1.MfaProviderConfig{}
				Expect(k8s.Get(ctx, f.key("okta"), obj)).To(Succeed())
				Expect(k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`)))).To(Succeed())
			}
			return nil, sailpointfake.ErrDefault
		}
		armed.Store(true)
		v := time.Now().Format(time.RFC3339Nano)
		obj := &mfav1.MfaProviderConfig{}
		f.get(obj, "okta")
		Expect(k8s.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(
			`{"metadata":{"annotations":{"`+mfav1.ReconcileRequestedAtAnnotation+`":"`+v+`"}},"spec":{"host":"other.okta.com"}}`)))).To(Succeed())
		Eventually(func(g Gomega) string {
			g.Expect(k8s.Get(context.Background(), f.key("okta"), obj)).To(Succeed())
			return obj.Status.LastHandledReconcileAt
		}, 10*time.Second, 10*time.Millisecond).Should(Equal(v))
		Expect(f.api.Count(sailpointfake.OpSetOktaConfig)).To(BeNumerically(">", puts), "requestedAt was echoed before the change was applied")
		Expect(armed.Load()).To(BeFalse())
	})

	DescribeTable("redacts a referenced Secret's value from remote texts before they reach status and events (defect 8)",
		func(setup func(f *fakeFixture, secret string), kind, condType string, status metav1.ConditionStatus, reason string) {
			f := newFakeFixture()
			f.fakeTenant(f.baseURL)
			secret := uniqueSecret("leaky")
			setup(f, secret)
			obj := map[string]mfav1.Object{kindMfaProviderConfig: &mfav1.MfaProviderConfig{}, kindMfaKbaAnswers: &mfav1.MfaKbaAnswers{}}[kind]
			f.eventuallyCondition(obj, "obj", condType, status, reason)
			c := obj.GetCommonStatus().GetCondition(condType)
			Expect(c.Message).To(ContainSubstring("refused"), "the remote text is kept")
			Expect(c.Message).NotTo(ContainSubstring(secret))
			Eventually(func() []string {
				var notes []string
				for _, e := range f.eventsFor(kind, "obj", reason) {
					notes = append(notes, e.Note)
				}
				return notes
			}, 10*time.Second, 100*time.Millisecond).ShouldNot(BeEmpty())
			f.expectNoSecretLeaks(secret)
		},
		Entry("a TestFailed message", func(f *fakeFixture, secret string) {
			f.api.TestConfigFunc = func(context.Context, sailpoint.Method) (*sailpoint.MfaConfigTestResponse, error) {
				return &sailpoint.MfaConfigTestResponse{State: sailpoint.TestStateFailed, Error: "Okta refused the key " + secret}, nil
			}
			f.oktaConfig("obj", secret)
		}, kindMfaProviderConfig, mfav1.TypeTested, metav1.ConditionFalse, mfav1.ReasonTestFailed),
		Entry("the text of a PUT's 400", func(f *fakeFixture, secret string) {
			f.api.Fail(sailpointfake.OpSetOktaConfig, sailpointfake.HTTPErrorWithMessage(http.StatusBadRequest, "put okta-verify config", "SailPoint refused accessKey "+secret))
			f.oktaConfig("obj", secret)
		}, kindMfaProviderConfig, mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonBadRequest),
		Entry("the text of a KBA answers POST's 400", func(f *fakeFixture, secret string) {
			f.api.Fail(sailpointfake.OpSetKbaAnswers, sailpointfake.HTTPErrorWithMessage(http.StatusBadRequest, "set kba answers", "SailPoint refused the answer "+secret))
			f.answerSecret(map[string]string{"car": secret})
			f.kbaAnswers("obj", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		}, kindMfaKbaAnswers, mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonBadRequest),
	)

	It("sends one DELETE per deletion while configs of the same method come and go in other namespaces (defect 11)", func() {
		for range 3 {
			peers := []*fakeFixture{readyFakeOkta(), readyFakeOkta()}
			d := readyFakeOkta()
			d.api.DeleteConfigFunc = func(ctx context.Context, _ sailpoint.Method) (*sailpoint.MfaConfig, error) {
				// A slow DELETE, during which the peers' events arrive.
				select {
				case <-ctx.Done():
					return nil, sailpointfake.Timeout("delete okta-verify config")
				case <-time.After(300 * time.Millisecond):
				}
				return nil, sailpointfake.ErrDefault
			}
			obj := &mfav1.MfaProviderConfig{}
			d.get(obj, "okta")
			Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
			for _, p := range peers {
				Expect(k8s.Delete(context.Background(), &mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: p.ns}})).To(Succeed())
				n := newFakeFixture()
				n.fakeTenant(n.baseURL)
				n.oktaConfig("okta", oktaKey)
			}
			d.eventuallyGone(obj, "okta")
			Consistently(func() int { return d.api.Count(sailpointfake.OpDeleteConfig) }, time.Second, 50*time.Millisecond).Should(Equal(1))
		}
	})

	It("does not wake the configs of other tenants when a config of the same method comes or goes (defect 11)", func() {
		peers := []*fakeFixture{readyFakeOkta(), readyFakeOkta()}
		x := readyFakeOkta()
		Eventually(func() int {
			n := len(x.api.Calls())
			x.api.ResetCalls()
			return n
		}, 10*time.Second, 300*time.Millisecond).Should(BeZero(), "the config does not settle")
		for _, p := range peers {
			Expect(k8s.Delete(context.Background(), &mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: p.ns}})).To(Succeed())
			p.eventuallyGone(&mfav1.MfaProviderConfig{}, "okta")
		}
		readyFakeOkta()
		expectNoCall(x.api, sailpointfake.OpGetOktaConfig, 0)
	})

	It("refuses a second Okta config on the same SailPoint reached through another spelling of its address (defect 12)", func() {
		f := newFixture()
		DeferCleanup(func() { f.expectNoSecretLeaks() })
		f.adminTenant()
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")
		puts := f.requests(http.MethodPut)

		// Sorted after f's namespace, so that f's config is the older one even within a second.
		g := f.sibling("mfa-zalias-")
		g.tenantAt(strings.Replace(f.server.URL, "127.0.0.1", "localhost", 1), emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		g.oktaConfig("okta", oktaKeyRotated)
		obj := &mfav1.MfaProviderConfig{}
		g.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/okta"))
		Expect(f.requests(http.MethodPut)).To(Equal(puts), "the second config wrote to SailPoint")
	})

	It("wakes a tenant's configs at once when its credentials Secret changes: a Forbidden clears within seconds (defect 13)", func() {
		f := newFakeFixture()
		weak := sailpointfake.New()
		weak.Fail(sailpointfake.OpGetOktaConfig, sailpointfake.HTTPError(http.StatusForbidden, "get okta-verify config"))
		serveFake(f.baseURL, func(o sailpoint.Options) (sailpoint.API, error) {
			if o.ClientID == "weak-client" {
				return weak, nil
			}
			return f.api, nil
		})
		f.tenantAt(f.baseURL, "weak-client", "weak-secret-4d21")
		f.oktaConfig("okta", oktaKey)
		f.eventuallyCondition(&mfav1.MfaProviderConfig{}, "okta", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonForbidden)

		f.createSecret("acme-pat", map[string]string{"clientId": fakeClientID, "clientSecret": fakeClientSecret})
		Eventually(func(g Gomega) {
			obj := &mfav1.MfaProviderConfig{}
			g.Expect(k8s.Get(context.Background(), f.key("okta"), obj)).To(Succeed())
			expectCondition(g, obj, mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	})
})

var _ = Describe("Branches no other spec reached", func() {
	It("refuses two answers to one question (by id and by text) before any answers POST", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		f.answerSecret(map[string]string{"a": kbaAnswerValue("pet"), "b": kbaAnswerValue("pet")})
		f.kbaAnswers("kba", []mfav1.KbaAnswer{kbaByID(qPet, "a"), kbaByText(petText, "b")})
		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "kba", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonInvalidAnswer)
		expectStalled(obj, mfav1.ReasonInvalidAnswer)
		expectNoCall(f.api, sailpointfake.OpSetKbaAnswers, 0)
	})

	It("puts the second MfaKbaAnswers of one identity behind two tenants (same base URL) in Conflict, without a POST", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("kba", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("kba")
		posts := f.api.Count(sailpointfake.OpSetKbaAnswers)

		g := &fakeFixture{fixture: f.sibling("mfa-zident-"), api: f.api, baseURL: f.baseURL}
		g.fakeTenant(f.baseURL)
		g.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		g.kbaAnswers("kba", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		obj := &mfav1.MfaKbaAnswers{}
		g.eventuallyCondition(obj, "kba", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/kba"))
		expectNoCall(f.api, sailpointfake.OpSetKbaAnswers, posts)
	})

	It("deletes an MfaProviderConfig in Observe mode without any remote write", func() {
		f := newFakeFixture()
		f.fakeTenant(f.baseURL)
		f.api.StoreOktaConfig(&sailpoint.MfaOktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: oktaKey, IdentityAttribute: "email"})
		f.oktaConfig("okta", oktaKey, func(p *mfav1.MfaProviderConfig) { p.Spec.ManagementPolicy = mfav1.ManagementPolicyObserve })
		obj := f.eventuallyReady("okta")
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		f.eventuallyGone(obj, "okta")
		Expect(f.api.Count(sailpointfake.OpDeleteConfig)).To(BeZero())
		Expect(f.api.Count(sailpointfake.OpSetOktaConfig)).To(BeZero())
	})

	It("makes no remote call to delete a suspended MfaProviderConfig, and deletes it once resumed", func() {
		f := readyFakeOkta()
		obj := &mfav1.MfaProviderConfig{}
		f.patch(obj, "okta", func() { obj.Spec.Suspend = true })
		f.eventuallyCondition(obj, "okta", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended)
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		Consistently(func() error { return k8s.Get(context.Background(), f.key("okta"), obj) }, time.Second, 50*time.Millisecond).Should(Succeed())
		Expect(f.api.Count(sailpointfake.OpDeleteConfig)).To(BeZero())
		f.patch(obj, "okta", func() { obj.Spec.Suspend = false })
		f.eventuallyGone(obj, "okta")
		Expect(f.api.Count(sailpointfake.OpDeleteConfig)).To(Equal(1))
	})

	It("waits out a 429 of the token endpoint (Reconciling, not Stalled, no token request before Retry-After) and then becomes Ready", func() {
		f := newFixture()
		DeferCleanup(func() { f.expectNoSecretLeaks() })
		var mu sync.Mutex
		var tokenTimes []time.Time
		limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == tokenPath {
				mu.Lock()
				tokenTimes = append(tokenTimes, time.Now())
				n := len(tokenTimes)
				mu.Unlock()
				if n <= 2 {
					w.Header().Set("Retry-After", "1")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`{"message":"Rate Limit Exceeded"}`))
					return
				}
			}
			f.emu.Handler().ServeHTTP(w, r)
		}))
		DeferCleanup(limited.Close)
		f.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
		Expect(k8s.Create(context.Background(), &mfav1.SailPointTenant{
			ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: f.ns},
			Spec: mfav1.SailPointTenantSpec{
				BaseURL: limited.URL, CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"}, RequestsPerSecond: 10,
			},
		})).To(Succeed())
		tenant := &mfav1.SailPointTenant{}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(context.Background(), f.key("acme"), tenant)).To(Succeed())
			ready := tenant.Status.GetCondition(mfav1.TypeReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(tenant.Status.GetCondition(mfav1.TypeReconciling)).NotTo(BeNil())
			g.Expect(tenant.Status.GetCondition(mfav1.TypeStalled)).To(BeNil())
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
		f.eventuallyCondition(tenant, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
		mu.Lock()
		times := append([]time.Time(nil), tokenTimes[:3]...)
		mu.Unlock()
		expectSpacedBy(times, time.Second)
		f.oktaConfig("okta", oktaKey)
		f.eventuallyReady("okta")
	})
})

// requests counts the emulator's logged requests with method.
func (f *fixture) requests(method string) int {
	n := 0
	for _, r := range f.emu.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}
