package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The suite runs the real manager with every reconciler against a real kube-apiserver and
// etcd (envtest) and the SailPoint emulator over HTTP. Assertions read the cluster through a
// separate, uncached client and the emulator through its request log and stored state.
var (
	testEnv   *envtest.Environment
	k8s       client.Client
	cancelMgr context.CancelFunc
	mgrDone   chan struct{}
	// managerLog holds everything the manager logged, to check that no secret leaks into it.
	managerLog = &syncBuffer{}
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, managerLog)), zap.UseDevMode(true)))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: binaryAssets(),
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(mfav1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	cancelMgr = cancel
	Expect(Setup(ctx, mgr, Options{MaxConcurrentReconciles: 2, NewAPI: fastRetryClient})).To(Succeed())
	mgrDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancelMgr != nil {
		cancelMgr()
		Eventually(mgrDone, time.Minute).Should(BeClosed())
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// fastRetryClient is the real client with short backoffs, so that 5xx retries do not slow the
// suite down.
func fastRetryClient(o sailpoint.Options) (sailpoint.API, error) {
	o.RetryBaseDelay = 10 * time.Millisecond
	o.RetryMaxDelay = 50 * time.Millisecond
	o.Timeout = 5 * time.Second
	return sailpoint.New(o)
}

func binaryAssets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "bin", "k8s")
}

// syncBuffer is a bytes.Buffer safe for the manager's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is one spec's world: its own namespace, its own SailPoint emulator (so that the
// cluster-wide singleton guard does not see other specs' configs as conflicts), and a
// SailPointTenant named "acme" with the emulator's ORG_ADMIN credentials.
type fixture struct {
	ns     string
	emu    *emulator.Emulator
	server *httptest.Server
	// shared is set on a sibling fixture, whose emulator belongs to another fixture.
	shared bool
}

// newFixture creates the namespace, the emulator and the tenant's Secret; the tenant itself
// is created by createTenant so that specs can order things.
func newFixture() *fixture {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "mfa-test-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	f := &fixture{ns: ns.Name, emu: emulator.New(emulator.Config{})}
	f.server = httptest.NewServer(f.emu.Handler())
	DeferCleanup(f.cleanup)
	return f
}

// cleanup releases every object of the spec without remote calls, then stops the emulator.
func (f *fixture) cleanup() {
	ctx := context.Background()
	for _, list := range []client.ObjectList{&mfav1.MfaProviderConfigList{}, &mfav1.MfaKbaAnswersList{}} {
		Expect(k8s.List(ctx, list, client.InNamespace(f.ns))).To(Succeed())
		items, err := apimeta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			o := item.(client.Object)
			Expect(client.IgnoreNotFound(k8s.Patch(ctx, o, client.RawPatch(types.MergePatchType,
				[]byte(`{"metadata":{"finalizers":null}}`))))).To(Succeed())
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed())
		}
	}
	if !f.shared {
		f.server.Close()
	}
}

// sibling returns a fixture in a new namespace, named generateName plus a random suffix,
// that shares f's emulator: its tenant "acme" has the same baseURL as f's. Namespaces are
// compared by name when two configs are created in the same second, so generateName decides
// which of two such configs counts as the older one.
func (f *fixture) sibling(generateName string) *fixture {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: generateName}}
	Expect(k8s.Create(context.Background(), ns)).To(Succeed())
	g := &fixture{ns: ns.Name, emu: f.emu, server: f.server, shared: true}
	DeferCleanup(g.cleanup)
	return g
}

func (f *fixture) key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: f.ns, Name: name}
}

// createSecret creates (or replaces the data of) a Secret in the spec's namespace.
func (f *fixture) createSecret(name string, data map[string]string) {
	ctx := context.Background()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns}, StringData: data}
	err := k8s.Create(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		existing := &corev1.Secret{}
		Expect(k8s.Get(ctx, f.key(name), existing)).To(Succeed())
		existing.StringData = data
		Expect(k8s.Update(ctx, existing)).To(Succeed())
		return
	}
	Expect(err).NotTo(HaveOccurred())
}

// createTenant creates the Secret "acme-pat" with the given credentials and the tenant "acme"
// pointing at the spec's emulator.
func (f *fixture) createTenant(clientID, clientSecret string) *mfav1.SailPointTenant {
	f.createSecret("acme-pat", map[string]string{"clientId": clientID, "clientSecret": clientSecret})
	return f.createTenantWithoutSecret()
}

// createTenantWithoutSecret creates the tenant "acme" pointing at the spec's emulator, with
// the Secret "acme-pat" as its credentials, whether that Secret exists or not.
func (f *fixture) createTenantWithoutSecret() *mfav1.SailPointTenant {
	t := &mfav1.SailPointTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: f.ns},
		Spec: mfav1.SailPointTenantSpec{
			BaseURL:              f.server.URL,
			CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
			RequestsPerSecond:    10,
		},
	}
	Expect(k8s.Create(context.Background(), t)).To(Succeed())
	return t
}

// adminTenant creates the tenant with the emulator's ORG_ADMIN identity and waits until Ready.
func (f *fixture) adminTenant() *mfav1.SailPointTenant {
	t := f.createTenant(emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
	f.eventuallyCondition(&mfav1.SailPointTenant{}, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
	return t
}

// eventuallyCondition waits until obj (fetched by name) has condition t with status and
// reason at its current generation, and returns the object as then read.
func (f *fixture) eventuallyCondition(obj mfav1.Object, name, t string, status metav1.ConditionStatus, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), f.key(name), obj.(client.Object))).To(Succeed())
		c := apimeta.FindStatusCondition(obj.GetConditions(), t)
		g.Expect(c).NotTo(BeNil(), "condition %s", t)
		g.Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
		g.Expect(c.Status).To(Equal(status), "condition %s: %s: %s", t, c.Reason, c.Message)
		g.Expect(c.Reason).To(Equal(reason), "condition %s: %s", t, c.Message)
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
}

// requestReconcile sets the reconcile.fluxcd.io/requestedAt annotation to a new value, which
// makes the operator reconcile at once; it returns the value.
func requestReconcile(obj client.Object) string {
	v := time.Now().Format(time.RFC3339Nano)
	patch := []byte(`{"metadata":{"annotations":{"` + mfav1.ReconcileRequestedAtAnnotation + `":"` + v + `"}}}`)
	Expect(k8s.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
	return v
}

// get reads the named object of the spec's namespace into obj.
func (f *fixture) get(obj client.Object, name string) {
	GinkgoHelper()
	Expect(k8s.Get(context.Background(), f.key(name), obj)).To(Succeed())
}

// patch reads the named object, lets mutate change it, and sends the difference as a merge
// patch (no optimistic lock, so a concurrent status write does not make it fail).
func (f *fixture) patch(obj client.Object, name string, mutate func()) {
	GinkgoHelper()
	f.get(obj, name)
	before := obj.DeepCopyObject().(client.Object)
	mutate()
	Expect(k8s.Patch(context.Background(), obj, client.MergeFrom(before))).To(Succeed())
}

// forceReconcile sets the requestedAt annotation of the named object and waits until its
// status echoes the value: the reconcile it caused, and every remote call of it, is over.
func (f *fixture) forceReconcile(obj mfav1.Object, name string) {
	GinkgoHelper()
	f.get(obj, name)
	v := requestReconcile(obj)
	Eventually(func(g Gomega) string {
		g.Expect(k8s.Get(context.Background(), f.key(name), obj)).To(Succeed())
		return obj.GetCommonStatus().LastHandledReconcileAt
	}, 30*time.Second, 50*time.Millisecond).Should(Equal(v))
}

// eventuallyGone waits until the named object no longer exists.
func (f *fixture) eventuallyGone(obj client.Object, name string) {
	GinkgoHelper()
	Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), f.key(name), obj))
	}, 30*time.Second, 50*time.Millisecond).Should(BeTrue(), "%s still exists", name)
}

// remoteCalls counts the emulator's logged requests whose path starts with prefix.
func (f *fixture) remoteCalls(prefix string) int {
	n := 0
	for _, r := range f.emu.Requests() {
		if strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// events lists the events.k8s.io/v1 Events of the spec's namespace.
func (f *fixture) events() []eventsv1.Event {
	GinkgoHelper()
	list := &eventsv1.EventList{}
	Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns))).To(Succeed())
	return list.Items
}

// eventsFor returns the events about the named object of kind with the given reason.
func (f *fixture) eventsFor(kind, name, reason string) []eventsv1.Event {
	GinkgoHelper()
	var out []eventsv1.Event
	for _, e := range f.events() {
		if e.Regarding.Kind == kind && e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// eventuallyEvent waits for an event of type eventType and reason about the named object of
// kind, and returns it.
func (f *fixture) eventuallyEvent(kind, name, eventType, reason string) eventsv1.Event {
	GinkgoHelper()
	var found eventsv1.Event
	Eventually(func(g Gomega) {
		evs := f.eventsFor(kind, name, reason)
		g.Expect(evs).NotTo(BeEmpty(), "no %s event about %s %s", reason, kind, name)
		found = evs[0]
		g.Expect(found.Type).To(Equal(eventType))
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
	return found
}

// jwtPrefix starts every JWT the emulator issues (base64url of `{"alg":`).
const jwtPrefix = "eyJhbGci"

// expectNoSecretLeaks checks that no value of any Secret of the spec's namespace, none of
// extra (values that Secrets held earlier) and no access token appears in the status of the
// namespace's objects, in its events, or in what the manager logged.
func (f *fixture) expectNoSecretLeaks(extra ...string) {
	GinkgoHelper()
	ctx := context.Background()
	secrets := &corev1.SecretList{}
	Expect(k8s.List(ctx, secrets, client.InNamespace(f.ns))).To(Succeed())
	values := append([]string{jwtPrefix}, extra...)
	for _, s := range secrets.Items {
		for _, v := range s.Data {
			values = append(values, string(v))
		}
	}

	texts := map[string]string{"the manager log": managerLog.String()}
	statuses := []any{}
	providers := &mfav1.MfaProviderConfigList{}
	Expect(k8s.List(ctx, providers, client.InNamespace(f.ns))).To(Succeed())
	for _, p := range providers.Items {
		statuses = append(statuses, p.Status)
	}
	tenants := &mfav1.SailPointTenantList{}
	Expect(k8s.List(ctx, tenants, client.InNamespace(f.ns))).To(Succeed())
	for _, t := range tenants.Items {
		statuses = append(statuses, t.Status)
	}
	b, err := json.Marshal(statuses)
	Expect(err).NotTo(HaveOccurred())
	texts["status"] = string(b)
	b, err = json.Marshal(f.events())
	Expect(err).NotTo(HaveOccurred())
	texts["events"] = string(b)

	for where, text := range texts {
		for _, v := range values {
			Expect(v).NotTo(BeEmpty())
			Expect(strings.Contains(text, v)).To(BeFalse(), "%s contains the secret value %q", where, v)
		}
	}
}

// metricValue returns the value of the gauge or counter name with exactly these label
// values (among possibly more labels), from controller-runtime's registry.
func metricValue(name string, labels map[string]string) (float64, bool) {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// metricSeries returns the label sets of the series of name that carry these label values.
func metricSeries(name string, labels map[string]string) []map[string]string {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var out []map[string]string
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labels) {
				set := map[string]string{}
				for _, l := range m.GetLabel() {
					set[l.GetName()] = l.GetValue()
				}
				out = append(out, set)
			}
		}
	}
	return out
}

func hasLabels(m *dto.Metric, labels map[string]string) bool {
	matched := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			matched++
		}
	}
	return matched == len(labels)
}
