package controller

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint/sailpointfake"
)

// The specs of this file talk to a sailpointfake.Fake instead of the emulator, where a fault
// of one operation is easier to inject that way. The manager builds every SailPoint client
// through routedNewAPI: a tenant whose baseURL is registered here gets what its builder
// returns, any other tenant the real client.

// apiBuilder builds the API of a fake tenant from the client options (e.g. by client id).
type apiBuilder func(sailpoint.Options) (sailpoint.API, error)

var fakeTenants = struct {
	mu    sync.Mutex
	byURL map[string]apiBuilder
}{byURL: map[string]apiBuilder{}}

// routedNewAPI is the suite's NewAPI: the registered builder of the tenant's baseURL, or the
// real client with short backoffs.
func routedNewAPI(o sailpoint.Options) (sailpoint.API, error) {
	fakeTenants.mu.Lock()
	build := fakeTenants.byURL[o.BaseURL]
	fakeTenants.mu.Unlock()
	if build != nil {
		return build(o)
	}
	return fastRetryClient(o)
}

// serveFake routes the clients of tenants at baseURL to build until the spec ends.
func serveFake(baseURL string, build apiBuilder) {
	fakeTenants.mu.Lock()
	fakeTenants.byURL[baseURL] = build
	fakeTenants.mu.Unlock()
	DeferCleanup(func() {
		fakeTenants.mu.Lock()
		delete(fakeTenants.byURL, baseURL)
		fakeTenants.mu.Unlock()
	})
}

// fakeFixture is a fixture whose tenant "acme" is a fake SailPoint.
type fakeFixture struct {
	*fixture
	api     *sailpointfake.Fake
	baseURL string

	mu sync.Mutex
	// buildErr, when set, is what building the tenant's client fails with.
	buildErr error
}

// failBuild makes building the tenant's client fail with err (nil: succeed again).
func (f *fakeFixture) failBuild(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buildErr = err
}

// Credentials of the fake tenants; the fake does not check them.
const (
	fakeClientID     = "fake-client-id-5c1e"
	fakeClientSecret = "fake-client-secret-93d0"
)

// newFakeFixture creates a namespace with a fake SailPoint of its own behind baseURL
// https://<namespace>.fake.identitynow.com; the tenant is created by fakeTenant.
func newFakeFixture() *fakeFixture {
	f := newFixture()
	ff := &fakeFixture{fixture: f, api: sailpointfake.New(), baseURL: "https://" + f.ns + ".fake.identitynow.com"}
	serveFake(ff.baseURL, func(sailpoint.Options) (sailpoint.API, error) {
		ff.mu.Lock()
		defer ff.mu.Unlock()
		if ff.buildErr != nil {
			return nil, ff.buildErr
		}
		return ff.api, nil
	})
	DeferCleanup(func() { f.expectNoSecretLeaks() })
	return ff
}

// fakeTenant creates the tenant "acme" at baseURL with the fake credentials and waits until
// it is Ready.
func (f *fakeFixture) fakeTenant(baseURL string) {
	GinkgoHelper()
	f.tenantAt(baseURL, fakeClientID, fakeClientSecret)
}

// warningsFor returns the Warning events about the named object with reason.
func (f *fixture) warningsFor(kind, name, reason string) []eventsv1.Event {
	var out []eventsv1.Event
	for _, e := range f.eventsFor(kind, name, reason) {
		if e.Type == corev1.EventTypeWarning {
			out = append(out, e)
		}
	}
	return out
}

// emitted counts how many times the events were emitted: an event emitted again is folded
// into a series, whose count the first repetition sets to 2.
func emitted(evs []eventsv1.Event) int {
	n := 0
	for _, e := range evs {
		if e.Series != nil {
			n += int(e.Series.Count)
		} else {
			n++
		}
	}
	return n
}

// lastEventAbout returns the newest event about the named object.
func (f *fixture) lastEventAbout(kind, name string) *eventsv1.Event {
	var last *eventsv1.Event
	for _, e := range f.events() {
		if e.Regarding.Kind != kind || e.Regarding.Name != name {
			continue
		}
		if last == nil || eventTime(e).After(eventTime(*last)) {
			last = &e
		}
	}
	return last
}

func eventTime(e eventsv1.Event) time.Time {
	if e.Series != nil {
		return e.Series.LastObservedTime.Time
	}
	return e.EventTime.Time
}

// expectKStatus checks the kstatus pair: Stalled True (and no Reconciling) when stalled,
// else Reconciling True (and no Stalled), both with reason.
func expectKStatus(g Gomega, obj mfav1.Object, stalled bool, reason string) {
	want, other := mfav1.TypeReconciling, mfav1.TypeStalled
	if stalled {
		want, other = other, want
	}
	c := obj.GetCommonStatus().GetCondition(want)
	g.Expect(c).NotTo(BeNil(), "no %s condition", want)
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(c.Reason).To(Equal(reason))
	g.Expect(obj.GetCommonStatus().GetCondition(other)).To(BeNil(), "%s is set as well", other)
}

// expectCondition checks a condition's status and reason at the object's generation.
func expectCondition(g Gomega, obj mfav1.Object, t string, status metav1.ConditionStatus, reason string) *metav1.Condition {
	c := obj.GetCommonStatus().GetCondition(t)
	g.Expect(c).NotTo(BeNil(), "no %s condition", t)
	g.Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
	g.Expect(c.Status).To(Equal(status), "%s: %s: %s", t, c.Reason, c.Message)
	g.Expect(c.Reason).To(Equal(reason), "%s: %s", t, c.Message)
	return c
}

// expectSpacedBy checks that consecutive calls are at least d apart.
func expectSpacedBy(times []time.Time, d time.Duration) {
	GinkgoHelper()
	for i := 1; i < len(times); i++ {
		Expect(times[i].Sub(times[i-1])).To(BeNumerically(">=", d-10*time.Millisecond),
			"call %d came %s after the previous one, before Retry-After %s", i+1, times[i].Sub(times[i-1]), d)
	}
}

// managedSpec returns the spec fields every managed kind shares.
func managedSpec(obj mfav1.Object) *mfav1.ManagedResourceSpec {
	switch o := obj.(type) {
	case *mfav1.MfaProviderConfig:
		return &o.Spec.ManagedResourceSpec
	case *mfav1.MfaKbaAnswers:
		return &o.Spec.ManagedResourceSpec
	}
	panic(fmt.Sprintf("not a managed kind: %T", obj))
}

// remoteFault is one way a SailPoint call can fail, and what the contract says it means.
type remoteFault struct {
	name string
	err  func(operation string) error
	// reason is the condition reason it maps to.
	reason string
	// stalled: only the user can fix it (400, 401, 403).
	stalled bool
	// retryAfter is the 429's Retry-After.
	retryAfter time.Duration
	// notFound: a 404.
	notFound bool
}

const fakeRetryAfter = time.Second

var failures = []remoteFault{
	{name: "a 400", err: httpFailure(http.StatusBadRequest), reason: mfav1.ReasonBadRequest, stalled: true},
	{name: "a 401", err: httpFailure(http.StatusUnauthorized), reason: mfav1.ReasonUnauthorized, stalled: true},
	{name: "a 403", err: httpFailure(http.StatusForbidden), reason: mfav1.ReasonForbidden, stalled: true},
	{name: "a 404", err: httpFailure(http.StatusNotFound), reason: mfav1.ReasonRemoteError, notFound: true},
	{name: "a 429", err: func(op string) error { return sailpointfake.RateLimited(op, fakeRetryAfter) },
		reason: mfav1.ReasonRateLimited, retryAfter: fakeRetryAfter},
	{name: "a 503", err: httpFailure(http.StatusServiceUnavailable), reason: mfav1.ReasonRemoteError},
	{name: "a timeout", err: func(op string) error { return sailpointfake.Timeout(op) }, reason: mfav1.ReasonUnreachable},
}

func httpFailure(status int) func(string) error {
	return func(op string) error { return sailpointfake.HTTPError(status, op) }
}

// managedKind describes one managed kind for the failure table: how to create a healthy
// object on the fake tenant "acme", and its remote steps.
type tableKind struct {
	kind string
	// create makes the Secrets and the object named name; verify asks for the check.
	create func(f *fakeFixture, name string, check bool)
	newObj func() mfav1.Object
	// steps are the remote steps of a live object; deletion is the remote step of deletion.
	steps    []remoteStep
	deletion remoteStep
}

// remoteStep is one remote call of a reconcile.
type remoteStep struct {
	name string
	op   sailpointfake.Op
	// check is the condition a failure of this step is on: "" for Synced.
	check string
	// forbiddenHint is a part of the Forbidden message: the scope or user level needed.
	forbiddenHint string
	// notFoundIsSuccess: a 404 means the remote state is already gone.
	notFoundIsSuccess bool
}

var tableKinds = []tableKind{
	{
		kind: kindMfaProviderConfig,
		create: func(f *fakeFixture, name string, _ bool) {
			f.oktaConfig(name, oktaKey)
		},
		newObj: func() mfav1.Object { return &mfav1.MfaProviderConfig{} },
		steps: []remoteStep{
			{name: "GET config", op: sailpointfake.OpGetOktaConfig, forbiddenHint: "ORG_ADMIN"},
			{name: "PUT config", op: sailpointfake.OpSetOktaConfig, forbiddenHint: "ORG_ADMIN"},
			{name: "test", op: sailpointfake.OpTestConfig, check: mfav1.TypeTested, forbiddenHint: "ORG_ADMIN"},
		},
		deletion: remoteStep{name: "DELETE", op: sailpointfake.OpDeleteConfig, notFoundIsSuccess: true},
	},
	{
		kind: kindMfaKbaAnswers,
		create: func(f *fakeFixture, name string, verify bool) {
			f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": kbaAnswerValue("pet")})
			f.kbaAnswers(name, []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByText(petText, "pet")},
				func(k *mfav1.MfaKbaAnswers) { k.Spec.Verify = verify })
		},
		newObj: func() mfav1.Object { return &mfav1.MfaKbaAnswers{} },
		steps: []remoteStep{
			{name: "questions GET", op: sailpointfake.OpGetKbaConfig, forbiddenHint: "idn:mfa-kba:read"},
			{name: "answers POST", op: sailpointfake.OpSetKbaAnswers, forbiddenHint: "idn:mfa-kba"},
			{name: "authenticate", op: sailpointfake.OpAuthenticateKba, check: mfav1.TypeVerified, forbiddenHint: "idn:mfa-kba"},
		},
		deletion: remoteStep{name: "answers POST with an empty list", op: sailpointfake.OpSetKbaAnswers},
	},
}

// fakeTimeout bounds the waits of the table: a fake answers at once, so a row that passes
// takes a second or two.
const fakeTimeout = 15 * time.Second

// retries is how many failed calls a spec lets happen before it looks at the events.
const retries = 3

var _ = Describe("A remote failure", func() {
	var f *fakeFixture
	BeforeEach(func() {
		f = newFakeFixture()
		f.fakeTenant(f.baseURL)
	})

	for _, k := range tableKinds {
		for _, s := range k.steps {
			for _, fl := range failures {
				It(stepSentence(k.kind, s, fl), func() {
					f.expectStepFailure(k, s, fl)
				})
			}
		}
		for _, fl := range failures {
			It(deletionSentence(k.kind, k.deletion, fl), func() {
				f.expectDeletionFailure(k, k.deletion, fl)
			})
		}
		for _, gone := range []string{"tenant", "credentials Secret"} {
			It(fmt.Sprintf("blocks the deletion of a %s whose %s is gone, says to orphan it, and orphaning lets it go without a call", k.kind, gone), func() {
				f.expectDeletionWithoutTenant(k, gone)
			})
		}
	}
})

func stepSentence(kind string, s remoteStep, fl remoteFault) string {
	where := "Synced=False"
	if s.check != "" {
		where = "Synced=True with the failure on " + s.check
	}
	how := "is Reconciling, retried until it recovers"
	if fl.stalled {
		how = "is Stalled, and recovers once fixed"
	}
	if fl.retryAfter > 0 {
		how += ", not sooner than Retry-After"
	}
	return fmt.Sprintf("on the %s %s leaves %s, Ready=False %s, %s, with one Warning",
		kind, s.name, where, fl.reason, how) + " (" + fl.name + ")"
}

func deletionSentence(kind string, s remoteStep, fl remoteFault) string {
	switch {
	case fl.stalled:
		return fmt.Sprintf("(%s) on the %s %s blocks the deletion, says to orphan it, and orphaning lets it go without a call", fl.name, kind, s.name)
	case s.notFoundIsSuccess && fl.notFound:
		return fmt.Sprintf("(%s) on the %s %s counts as deleted", fl.name, kind, s.name)
	}
	return fmt.Sprintf("(%s) on the %s %s is retried with backoff, not Stalled, and the object goes once it clears", fl.name, kind, s.name)
}

// expectStepFailure injects fl on step s of a new object of kind k and checks the
// contract: conditions, kstatus, one Warning for any number of retries, the 429's spacing,
// and the recovery.
func (f *fakeFixture) expectStepFailure(k tableKind, s remoteStep, fl remoteFault) {
	f.api.Fail(s.op, fl.err(string(s.op)))
	k.create(f, "obj", s.check != "")
	obj := k.newObj()

	syncedStatus, syncedReason := metav1.ConditionFalse, fl.reason
	checkStatus := metav1.ConditionUnknown
	if fl.stalled {
		checkStatus = metav1.ConditionFalse
	}
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), f.key("obj"), obj.(client.Object))).To(Succeed())
		if s.check != "" {
			expectCondition(g, obj, mfav1.TypeSynced, metav1.ConditionTrue, mfav1.ReasonSynced)
			expectCondition(g, obj, s.check, checkStatus, fl.reason)
		} else {
			expectCondition(g, obj, mfav1.TypeSynced, syncedStatus, syncedReason)
		}
		ready := expectCondition(g, obj, mfav1.TypeReady, metav1.ConditionFalse, fl.reason)
		if fl.reason == mfav1.ReasonForbidden {
			g.Expect(ready.Message).To(ContainSubstring(s.forbiddenHint))
		}
		expectKStatus(g, obj, fl.stalled, fl.reason)
	}, fakeTimeout, 50*time.Millisecond).Should(Succeed())

	// Let it try again a few times: by itself when transient, asked to when Stalled.
	if fl.stalled {
		for range retries - 1 {
			f.forceReconcile(obj, "obj")
		}
	}
	// A refused check is not repeated blindly (a KBA authenticate counts towards a lockout).
	want := retries
	if fl.stalled && s.check != "" {
		want = 1
	}
	Eventually(func() int { return f.api.Count(s.op) }, fakeTimeout, 20*time.Millisecond).
		Should(BeNumerically(">=", want))
	if fl.retryAfter > 0 {
		expectSpacedBy(f.api.Times(s.op), fl.retryAfter)
	}
	// A state change to False is announced once, whatever the number of retries; a check
	// that is only Unknown (transient) may not be announced at all.
	warnings := Equal(1)
	if !fl.stalled && s.check != "" {
		warnings = BeNumerically("<=", 1)
	}
	Consistently(func() int { return emitted(f.warningsFor(k.kind, "obj", fl.reason)) }, 500*time.Millisecond, 100*time.Millisecond).
		Should(warnings)

	// The fault clears: Ready again, by itself when transient, after a change of the spec
	// when Stalled; and the last word is Normal.
	f.api.Clear(s.op)
	if fl.stalled {
		f.patch(obj.(client.Object), "obj", func() { managedSpec(obj).Interval = &metav1.Duration{Duration: 2 * time.Minute} })
	}
	f.eventuallyCondition(k.newObj(), "obj", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
	f.get(obj.(client.Object), "obj")
	expectSettled(obj)
	Eventually(func(g Gomega) {
		last := f.lastEventAbout(k.kind, "obj")
		g.Expect(last).NotTo(BeNil())
		g.Expect(last.Type).To(Equal(corev1.EventTypeNormal), "the last event is %s %s: %s", last.Type, last.Reason, last.Note)
	}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
}

// expectDeletionFailure deletes a Ready object of kind k whose remote deletion fails with fl.
func (f *fakeFixture) expectDeletionFailure(k tableKind, s remoteStep, fl remoteFault) {
	k.create(f, "obj", false)
	f.eventuallyCondition(k.newObj(), "obj", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
	obj := k.newObj()
	f.get(obj.(client.Object), "obj")
	before := f.api.Count(s.op)
	f.api.Fail(s.op, fl.err(string(s.op)))
	Expect(k8s.Delete(context.Background(), obj.(client.Object))).To(Succeed())

	switch {
	case fl.stalled:
		f.expectDeletionBlocked(k, s.op)
	case s.notFoundIsSuccess && fl.notFound:
		f.eventuallyGone(obj.(client.Object), "obj")
		Expect(f.api.Count(s.op) - before).To(Equal(1))
	default:
		Eventually(func() int { return f.api.Count(s.op) - before }, fakeTimeout, 20*time.Millisecond).
			Should(BeNumerically(">=", retries))
		Consistently(func(g Gomega) {
			g.Expect(k8s.Get(context.Background(), f.key("obj"), obj.(client.Object))).To(Succeed())
			c := obj.GetCommonStatus().GetCondition(mfav1.TypeStalled)
			g.Expect(c == nil || c.Status != metav1.ConditionTrue).To(BeTrue(), "Stalled: %v", c)
		}, 500*time.Millisecond, 50*time.Millisecond).Should(Succeed())
		if fl.retryAfter > 0 {
			expectSpacedBy(f.api.Times(s.op)[before:], fl.retryAfter)
		}
		f.api.Clear(s.op)
		f.eventuallyGone(obj.(client.Object), "obj")
	}
}

// expectDeletionBlocked checks that the object being deleted is Stalled DeletionBlocked with
// one Warning saying to set deletionPolicy: Orphan, and that setting it lets the object go
// without another call of op.
func (f *fakeFixture) expectDeletionBlocked(k tableKind, op sailpointfake.Op) {
	GinkgoHelper()
	obj := k.newObj()
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), f.key("obj"), obj.(client.Object))).To(Succeed())
		expectKStatus(g, obj, true, mfav1.ReasonDeletionBlocked)
		warnings := f.warningsFor(k.kind, "obj", mfav1.ReasonDeletionBlocked)
		g.Expect(warnings).To(HaveLen(1))
		g.Expect(warnings[0].Note).To(ContainSubstring("deletionPolicy: Orphan"))
	}, fakeTimeout, 50*time.Millisecond).Should(Succeed())
	calls := f.api.Count(op)
	f.patch(obj.(client.Object), "obj", func() { managedSpec(obj).DeletionPolicy = mfav1.DeletionPolicyOrphan })
	f.eventuallyGone(obj.(client.Object), "obj")
	Expect(f.api.Count(op)).To(Equal(calls), "orphaning made a remote call")
}

// expectDeletionWithoutTenant deletes a Ready object after its tenant, or the tenant's
// credentials Secret, was deleted.
func (f *fakeFixture) expectDeletionWithoutTenant(k tableKind, gone string) {
	k.create(f, "obj", false)
	f.eventuallyCondition(k.newObj(), "obj", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
	if gone == "tenant" {
		Expect(k8s.Delete(context.Background(), &mfav1.SailPointTenant{ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: f.ns}})).To(Succeed())
		f.eventuallyGone(&mfav1.SailPointTenant{}, "acme")
	} else {
		Expect(k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "acme-pat", Namespace: f.ns}})).To(Succeed())
		f.eventuallyCondition(&mfav1.SailPointTenant{}, "acme", mfav1.TypeReady, metav1.ConditionFalse, mfav1.ReasonSecretNotFound)
	}
	obj := k.newObj()
	f.get(obj.(client.Object), "obj")
	Expect(k8s.Delete(context.Background(), obj.(client.Object))).To(Succeed())
	f.expectDeletionBlocked(k, k.deletion.op)
}
