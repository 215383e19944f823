package bench_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// parallel is how many writers the bench uses, as a user's tool or an ideal operator would
// (16 clients).
const parallel = 16

// poll is how often the bench looks at a process's output or at objects it cannot watch.
const poll = 20 * time.Millisecond

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

// benchN is the number of configs of the burst scenario (over benchN/2 tenants).
func benchN() int { return max(envInt("BENCH_N", 1000)/2*2, 2) }

// short tells whether to run the small version of the long scenarios (CI).
func short() bool { return os.Getenv("BENCH_SHORT") != "" }

// managerTuning are the manager's tuning flags: BENCH_MANAGER_ARGS, else none (the shipped
// defaults, which these figures are for).
func managerTuning() []string { return strings.Fields(os.Getenv("BENCH_MANAGER_ARGS")) }

// benchClient is an uncached client with a watch and no client-side rate limit: the bench
// plays users and an ideal operator, and must not be the brake itself.
func benchClient() (client.WithWatch, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	cfg := *controlPlane.Config
	cfg.QPS, cfg.Burst = 1e6, 1e6
	return client.NewWithWatch(&cfg, client.Options{Scheme: scheme})
}

// fixture is one scenario's namespaces and emulator. The manager watches ns only; floor is a
// namespace it does not watch, where the bench does the floor's Kubernetes work.
type fixture struct {
	b         *testing.B
	ctx       context.Context
	ns, floor string
	emu       *harness.Emulator
}

// newFixture creates the namespaces and starts the emulator with room for tenants tenants
// and latency on every request.
func newFixture(b *testing.B, tenants int, latency time.Duration, timeout time.Duration) *fixture {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	b.Cleanup(cancel)
	name := strings.ToLower(strings.TrimPrefix(b.Name(), "Benchmark"))
	f := &fixture{b: b, ctx: ctx, ns: name + "-" + rand.String(5)}
	f.floor = f.ns + "-floor"
	for _, ns := range []string{f.ns, f.floor} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		b.Fatal(err)
	}
	// The emulator's banner holds its demo credentials: its output is not kept.
	f.emu, err = harness.StartEmulator(ctx, io.Discard, emulatorBin, addr, "--quiet",
		"--tenants="+strconv.Itoa(tenants), "--latency="+latency.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.emu.Stop() })
	return f
}

// tenantURL is the base URL of the emulator's tenant name.
func (f *fixture) tenantURL(name string) string { return f.emu.URL + emulator.TenantsPath + name }

// manager is a running bin/manager.
type manager = harness.Manager

// Controllers the manager runs; each prints "Starting workers" once its cache is synced.
const controllers = 3

// startManager starts bin/manager on ns with the tuning flags and waits until its
// controllers' workers run.
func (f *fixture) startManager(name, ns string) *manager {
	f.b.Helper()
	m := controlPlane.StartManager(f.b, name, managerBin, append([]string{
		"--watch-namespace=" + ns, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--leader-elect", "--leader-election-namespace=" + ns,
	}, managerTuning()...)...)
	f.eventually(time.Minute, func() bool { return m.Out.Count("Starting workers") >= controllers },
		"%s to start its workers", name)
	return m
}

// rss is m's resident set size in MiB.
func (f *fixture) rss(m *manager) float64 {
	f.b.Helper()
	v, err := m.RSS()
	if err != nil {
		f.b.Fatal(err)
	}
	return float64(v) / (1 << 20)
}

// restingRSS lets m settle for d and returns its RSS then, in MiB.
func (f *fixture) restingRSS(m *manager, d time.Duration) float64 {
	f.b.Helper()
	f.sleep(d)
	return f.rss(m)
}

func (f *fixture) sleep(d time.Duration) {
	select {
	case <-f.ctx.Done():
		f.b.Fatal("scenario timed out")
	case <-time.After(d):
	}
}

// eventually polls cond until it holds, or fails after timeout.
func (f *fixture) eventually(timeout time.Duration, cond func() bool, format string, args ...any) {
	f.b.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			f.b.Fatalf("timed out after %s waiting for "+format, append([]any{timeout}, args...)...)
		}
		f.sleep(poll)
	}
}

// inParallel runs do(0..n-1) with parallel workers and returns how long it took; the
// first error fails the scenario.
func (f *fixture) inParallel(n int, do func(i int) error) time.Duration {
	f.b.Helper()
	begin := time.Now()
	next := make(chan int)
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := range next {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			errs <- err
			break feed
		case <-f.ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	took := time.Since(begin)
	select {
	case err := <-errs:
		f.b.Fatal(err)
	default:
	}
	if f.ctx.Err() != nil {
		f.b.Fatal("scenario timed out")
	}
	return took
}

// create creates obj in ns.
func (f *fixture) create(ns string, obj client.Object) error {
	obj.SetNamespace(ns)
	if err := k8s.Create(f.ctx, obj); err != nil {
		return fmt.Errorf("creating %T %s/%s: %w", obj, ns, obj.GetName(), err)
	}
	return nil
}

// tenantObjects are a tenant named name at baseURL and its one Secret: the emulator's
// ORG_ADMIN credentials and the keys of the tenant's Okta and Duo configs.
func tenantObjects(name, baseURL string) (*corev1.Secret, *mfav1.SailPointTenant) {
	return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			StringData: map[string]string{
				"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret,
				"accessKey": "okta-bench-access-key-" + name, "ikey": "DIBENCH" + name, "skey": "duo-bench-secret-key-" + name,
			},
		}, &mfav1.SailPointTenant{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: mfav1.SailPointTenantSpec{
				BaseURL:              baseURL,
				CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: name},
			},
		}
}

// configObject is tenant's MfaProviderConfig of method, its keys in the tenant's Secret.
func configObject(tenant string, method mfav1.MfaMethod) *mfav1.MfaProviderConfig {
	cfg := &mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: tenant + "-" + string(method)},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef:          mfav1.TenantReference{Name: tenant},
			Method:             method,
			Host:               tenant + ".example.com",
			IdentityAttribute:  "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: tenant, Key: "accessKey"},
		},
	}
	if method == mfav1.MfaMethodDuoWeb {
		cfg.Spec.Duo = &mfav1.DuoSpec{
			IntegrationKeySecretRef: mfav1.SecretKeySelector{Name: tenant, Key: "ikey"},
			SecretKeySecretRef:      mfav1.SecretKeySelector{Name: tenant, Key: "skey"},
		}
	}
	return cfg
}

// tenantName is the i-th tenant's name (and the emulator tenant it uses).
func tenantName(i int) string { return fmt.Sprintf("t%04d", i) }

// watcher follows the objects of one list type in one namespace on a watch, as the manager
// and users do, and remembers for each name its last resourceVersion and when it was
// first seen Ready.
type watcher struct {
	mu      sync.Mutex
	rv      map[string]string
	readyAt map[string]time.Time
	changed chan struct{} // closed (and replaced) on every event
}

// watch starts a watcher of list's kind in ns, for as long as f's context.
func (f *fixture) watch(list client.ObjectList, ns string) *watcher {
	f.b.Helper()
	w := &watcher{rv: map[string]string{}, readyAt: map[string]time.Time{}, changed: make(chan struct{})}
	wi, err := k8s.Watch(f.ctx, list, client.InNamespace(ns))
	if err != nil {
		f.b.Fatal(err)
	}
	go func() {
		for {
			for ev := range wi.ResultChan() {
				if obj, ok := ev.Object.(client.Object); ok {
					w.saw(obj, time.Now())
				}
			}
			// The API server ends watches now and then: a new one starts with the current
			// state of every object.
			if f.ctx.Err() != nil {
				return
			}
			if wi, err = k8s.Watch(f.ctx, list, client.InNamespace(ns)); err != nil {
				return
			}
		}
	}()
	return w
}

func (w *watcher) saw(obj client.Object, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rv[obj.GetName()] = obj.GetResourceVersion()
	if o, ok := obj.(mfav1.Object); ok && harness.IsReady(o) {
		if _, seen := w.readyAt[o.GetName()]; !seen {
			w.readyAt[o.GetName()] = now
		}
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// waitRV waits until the watch has delivered obj at resourceVersion rv.
func (f *fixture) waitRV(w *watcher, name, rv string) {
	f.b.Helper()
	f.waitOn(w, time.Minute, func() bool { return w.rv[name] == rv }, "the watch to deliver %s at %s", name, rv)
}

// waitReadyCount waits until n objects have been seen Ready and returns when the last was.
func (f *fixture) waitReadyCount(w *watcher, n int, timeout time.Duration) time.Time {
	f.b.Helper()
	f.waitOn(w, timeout, func() bool { return len(w.readyAt) >= n }, "%d objects to be Ready", n)
	w.mu.Lock()
	defer w.mu.Unlock()
	var last time.Time
	for _, t := range w.readyAt {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// readyAt waits until name has been seen Ready and returns when.
func (f *fixture) readyAt(w *watcher, name string, timeout time.Duration) time.Time {
	f.b.Helper()
	f.waitOn(w, timeout, func() bool { _, ok := w.readyAt[name]; return ok }, "%s to be Ready", name)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.readyAt[name]
}

// waitOn waits until cond (called under w's lock) holds, checking it on every event.
func (f *fixture) waitOn(w *watcher, timeout time.Duration, cond func() bool, format string, args ...any) {
	f.b.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		ok, changed := cond(), w.changed
		w.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			f.b.Fatalf("timed out after %s waiting for "+format, append([]any{timeout}, args...)...)
		case <-f.ctx.Done():
			f.b.Fatalf("scenario timed out waiting for "+format, args...)
		}
	}
}

// markReady is the status patch an ideal operator writes once: Synced, Tested and Ready at
// the object's generation.
func (f *fixture) markReady(obj mfav1.Object) error {
	before := obj.DeepCopyObject().(client.Object)
	now := metav1.Now()
	gen := obj.GetGeneration()
	conds := []metav1.Condition{
		{Type: mfav1.TypeSynced, Status: metav1.ConditionTrue, Reason: mfav1.ReasonSynced, Message: "bench", ObservedGeneration: gen, LastTransitionTime: now},
		{Type: mfav1.TypeReady, Status: metav1.ConditionTrue, Reason: mfav1.ReasonAvailable, Message: "bench", ObservedGeneration: gen, LastTransitionTime: now},
	}
	if _, ok := obj.(*mfav1.MfaProviderConfig); ok {
		conds = append(conds, metav1.Condition{Type: mfav1.TypeTested, Status: metav1.ConditionTrue, Reason: mfav1.ReasonTestSucceeded, Message: "bench", ObservedGeneration: gen, LastTransitionTime: now})
	}
	obj.SetConditions(conds)
	obj.GetCommonStatus().ObservedGeneration = gen
	if err := k8s.Status().Patch(f.ctx, obj, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("patching the status of %s: %w", obj.GetName(), err)
	}
	return nil
}

// annotate is a metadata patch, as an ideal operator's finalizer patch (an annotation, so
// that the floor's objects can go without a controller).
func (f *fixture) annotate(obj client.Object) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"bench.identityops.dev/finalizer":%q}}}`, mfav1.Finalizer)
	if err := k8s.Patch(f.ctx, obj, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
		return fmt.Errorf("patching %s: %w", obj.GetName(), err)
	}
	return nil
}

// sailpointClient is the bench's own client of the emulator's tenant name, as the manager
// builds one (the tenant's default limit of 8 requests per second).
func (f *fixture) sailpointClient(name string) *sailpoint.Client {
	f.b.Helper()
	c, err := sailpoint.New(sailpoint.Options{
		BaseURL: f.tenantURL(name), ClientID: emulator.DefaultAdminClientID, ClientSecret: emulator.DefaultAdminClientSecret,
		RequestsPerSecond: sailpoint.DefaultRequestsPerSecond, Tenant: "bench/" + name,
	})
	if err != nil {
		f.b.Fatal(err)
	}
	return c
}

// applyRemote is the remote work of one config's first apply: GET, PUT, test.
func (f *fixture) applyRemote(c *sailpoint.Client, method sailpoint.Method, tenant string) error {
	var err error
	switch method {
	case sailpoint.MethodDuoWeb:
		if _, err = c.GetDuoConfig(f.ctx); err == nil {
			_, err = c.SetDuoConfig(f.ctx, sailpoint.MfaDuoConfig{
				Enabled: true, Host: tenant + ".example.com", AccessKey: "duo-bench-access-key", IdentityAttribute: "email",
				ConfigProperties: map[string]any{"ikey": "DIBENCH" + tenant, "skey": "duo-bench-secret-key-" + tenant},
			})
		}
	default:
		if _, err = c.GetOktaConfig(f.ctx); err == nil {
			_, err = c.SetOktaConfig(f.ctx, sailpoint.MfaOktaConfig{
				Enabled: true, Host: tenant + ".example.com", AccessKey: "okta-bench-access-key-" + tenant, IdentityAttribute: "email",
			})
		}
	}
	if err != nil {
		return err
	}
	res, err := c.TestConfig(f.ctx, method)
	if err == nil && res.State != sailpoint.TestStateSuccess {
		err = fmt.Errorf("the floor's test of %s on %s: %s", method, tenant, res.State)
	}
	return err
}

// tenantChain is the longest chain of remote calls behind one tenant's limiter when its
// configs (methods) are applied at once on a fresh client: a token, then each config's GET,
// PUT and test, the configs in parallel. It returns how long it took. It does not fail the
// scenario itself, so that it may run beside the manager in another goroutine.
func (f *fixture) tenantChain(c *sailpoint.Client, tenant string, methods ...sailpoint.Method) (time.Duration, error) {
	begin := time.Now()
	if _, err := c.Token(f.ctx); err != nil {
		return 0, err
	}
	errs := make(chan error, len(methods))
	for _, m := range methods {
		go func() { errs <- f.applyRemote(c, m, tenant) }()
	}
	var err error
	for range methods {
		err = cmp.Or(err, <-errs)
	}
	return time.Since(begin), err
}

// calls counts the emulator's logged requests under the tenants' path prefix, by kind.
type calls struct {
	tokens, gets, puts, tests, other int
}

func (c calls) total() int { return c.tokens + c.gets + c.puts + c.tests + c.other }

// countCalls counts the emulator's requests of the tenants whose names keep says.
func (f *fixture) countCalls(keep func(tenant string) bool) calls {
	f.b.Helper()
	reqs, err := f.emu.Requests(f.ctx)
	if err != nil {
		f.b.Fatal(err)
	}
	var c calls
	for _, r := range reqs {
		rest, ok := strings.CutPrefix(r.Path, emulator.TenantsPath)
		if !ok {
			continue
		}
		tenant, path, _ := strings.Cut(rest, "/")
		if !keep(tenant) {
			continue
		}
		switch {
		case path == "oauth/token":
			c.tokens++
		case strings.HasSuffix(path, "/config") && r.Method == "GET":
			c.gets++
		case strings.HasSuffix(path, "/config") && r.Method == "PUT":
			c.puts++
		case strings.HasSuffix(path, "/test"):
			c.tests++
		default:
			c.other++
		}
	}
	return c
}

// percentile is the p-th percentile (0..100) of ds, nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ratio(measured, floor float64) string {
	if floor == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", measured/floor)
}
