package bench_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// BenchmarkApplyOneAtATime creates configs one at a time, each on its own (Ready) tenant,
// and measures create → Ready seen on a watch, beside the floor: the bench creating an
// MfaProviderConfig in a namespace the manager does not watch, seeing it on a watch, doing
// GET + PUT + test itself against the emulator (a fresh tenant, token already cached, as
// the manager's is) and one status patch, seen on a watch. Then one requestedAt pass over
// every config: its remote calls against the minimum (one GET, no PUT).
func BenchmarkApplyOneAtATime(b *testing.B) {
	m := 20
	if short() {
		m = 10
	}
	f := newFixture(b, 2*m, envDuration("BENCH_APPLY_LATENCY", 0), 5*time.Minute)
	f.startManager("manager", f.ns)

	tenants := f.watch(&mfav1.SailPointTenantList{}, f.ns)
	for i := range m {
		secret, tenant := tenantObjects(tenantName(i), f.tenantURL(tenantName(i)))
		if err := cmp.Or(f.create(f.ns, secret), f.create(f.ns, tenant)); err != nil {
			b.Fatal(err)
		}
	}
	f.waitReadyCount(tenants, m, time.Minute)

	floorClients := make([]*sailpoint.Client, m)
	for i := range floorClients {
		floorClients[i] = f.sailpointClient(floorName(i))
		if _, err := floorClients[i].Token(f.ctx); err != nil {
			b.Fatal(err)
		}
	}
	configs := f.watch(&mfav1.MfaProviderConfigList{}, f.ns)
	floorConfigs := f.watch(&mfav1.MfaProviderConfigList{}, f.floor)
	var real, floor []time.Duration
	objs := make([]*mfav1.MfaProviderConfig, m)
	for i := range m {
		// The floor first, then the manager, in turns, so that both meet the same noise.
		cfg := configObject(floorName(i), mfav1.MfaMethodOktaVerify)
		begin := time.Now()
		if err := f.create(f.floor, cfg); err != nil {
			b.Fatal(err)
		}
		f.waitRV(floorConfigs, cfg.Name, cfg.ResourceVersion)
		if err := f.applyRemote(floorClients[i], sailpoint.MethodOktaVerify, floorName(i)); err != nil {
			b.Fatal(err)
		}
		if err := f.markReady(cfg); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, f.readyAt(floorConfigs, cfg.Name, 30*time.Second).Sub(begin))

		objs[i] = configObject(tenantName(i), mfav1.MfaMethodOktaVerify)
		begin = time.Now()
		if err := f.create(f.ns, objs[i]); err != nil {
			b.Fatal(err)
		}
		real = append(real, f.readyAt(configs, objs[i].Name, 30*time.Second).Sub(begin))
		f.sleep(100 * time.Millisecond) // the manager's trailing work stays out of the next turn
	}
	for _, p := range []int{50, 90} {
		got, low := percentile(real, p), percentile(floor, p)
		record(b, fmt.Sprintf("apply → Ready p%d (%d configs, one at a time)", p, m), ms(got), ms(low), ratio(got.Seconds(), low.Seconds()))
		b.ReportMetric(float64(got.Microseconds())/1000, fmt.Sprintf("ms-p%d", p))
		b.ReportMetric(got.Seconds()/low.Seconds(), fmt.Sprintf("p%d/floor", p))
		if p == 50 {
			summarize("apply p50", got.Seconds()/low.Seconds())
		}
	}
	f.sleep(time.Second)
	isReal := func(t string) bool { return strings.HasPrefix(t, "t") }
	applied := f.countCalls(isReal)
	reportCalls(b, "at apply", applied, m, m)

	// Steady state: one requestedAt pass over every config.
	if err := f.emu.ClearRequests(f.ctx); err != nil {
		b.Fatal(err)
	}
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, mfav1.ReconcileRequestedAtAnnotation, token)
	for _, o := range objs {
		if err := k8s.Patch(f.ctx, o, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
			b.Fatal(err)
		}
	}
	f.eventually(time.Minute, func() bool {
		for _, o := range objs {
			if err := k8s.Get(f.ctx, client.ObjectKeyFromObject(o), o); err != nil || o.Status.LastHandledReconcileAt != token {
				return false
			}
		}
		return true
	}, "every config to handle requestedAt")
	f.sleep(time.Second)
	steady := f.countCalls(isReal)
	perConfig := float64(steady.total()) / float64(m)
	record(b, "remote calls per config, requestedAt pass (GET/PUT/test)",
		fmt.Sprintf("%.2f (%d/%d/%d)", perConfig, steady.gets, steady.puts, steady.tests), "1 (GET; a test each interval)", ratio(perConfig, 1))
	record(b, "PUTs in steady state", strconv.Itoa(steady.puts), "0", "-")
	b.ReportMetric(perConfig, "calls/steady-pass")
	b.ReportMetric(float64(steady.puts), "steady-PUTs")
	summarize("steady calls", perConfig)
}

// floorName is the emulator tenant of the floor's i-th config.
func floorName(i int) string { return fmt.Sprintf("floor%04d", i) }

// reportCalls records the calls at apply of configs configs on tenants tenants against
// the minimum: a token per tenant; one GET, one PUT, one test per config.
func reportCalls(b *testing.B, when string, c calls, tenants, configs int) {
	b.Helper()
	perTenant := float64(c.tokens) / float64(tenants)
	perConfig := float64(c.total()-c.tokens) / float64(configs)
	record(b, "token requests per tenant "+when, fmt.Sprintf("%.2f", perTenant), "1", ratio(perTenant, 1))
	record(b, "remote calls per config "+when+" (GET/PUT/test/other)",
		fmt.Sprintf("%.2f (%d/%d/%d/%d)", perConfig, c.gets, c.puts, c.tests, c.other), "3 (1/1/1/0)", ratio(perConfig, 3))
	b.ReportMetric(perTenant, "tokens/tenant")
	b.ReportMetric(perConfig, "calls/config")
	summarize("calls/apply ("+strings.TrimPrefix(b.Name(), "Benchmark")+")", perConfig/3)
}

// BenchmarkBurst creates N configs over N/2 tenants at once (an Okta and a Duo config per
// tenant, everything created by 16 writers) at the emulator's latency, and measures the
// time until all are Ready, beside the floor max(the same Kubernetes writes done by the
// bench with 16 writers in a namespace the manager does not watch: the same creates, then
// per config one metadata and one status patch and per tenant one status patch; the
// longest per-tenant chain behind the tenant's rate limit: a token, then GET + PUT + test
// of both configs). Then the manager's RSS growth per 1,000 managed objects once quiet.
func BenchmarkBurst(b *testing.B) {
	n := benchN()
	tenants := n / 2
	f := newFixture(b, 2*tenants+1, envDuration("BENCH_LATENCY", 20*time.Millisecond), 25*time.Minute)
	mgr := f.startManager("manager", f.ns)
	rest := f.restingRSS(mgr, settle())

	configs := f.watch(&mfav1.MfaProviderConfigList{}, f.ns)
	begin := time.Now()
	createAll := func(ns string, base func(name string) string) func(int) error {
		return func(i int) error {
			name := tenantName(i)
			secret, tenant := tenantObjects(name, base(name))
			return cmp.Or(f.create(ns, secret), f.create(ns, tenant),
				f.create(ns, configObject(name, mfav1.MfaMethodOktaVerify)), f.create(ns, configObject(name, mfav1.MfaMethodDuoWeb)))
		}
	}
	f.inParallel(tenants, createAll(f.ns, f.tenantURL))
	took := f.waitReadyCount(configs, n, 20*time.Minute).Sub(begin)
	reportCalls(b, "at apply", f.countCalls(func(t string) bool { return strings.HasPrefix(t, "t") }), tenants, n)
	after := f.restingRSS(mgr, 2*settle())
	cached := f.cachedMiB(f.ns)
	mgr.Stop()

	// Floor: the same writes by the bench, then one tenant's chain.
	writes := f.inParallel(tenants, createAll(f.floor, func(name string) string { return f.tenantURL("floor-" + name) }))
	writes += f.inParallel(tenants, func(i int) error {
		name := tenantName(i)
		tenant := &mfav1.SailPointTenant{}
		if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.floor, Name: name}, tenant); err != nil {
			return err
		}
		errs := []error{f.markReady(tenant)}
		for _, m := range []mfav1.MfaMethod{mfav1.MfaMethodOktaVerify, mfav1.MfaMethodDuoWeb} {
			cfg := configObject(name, m)
			cfg.Namespace = f.floor
			errs = append(errs, f.annotate(cfg))
			if err := k8s.Get(f.ctx, client.ObjectKeyFromObject(cfg), cfg); err != nil {
				return err
			}
			errs = append(errs, f.markReady(cfg))
		}
		return cmp.Or(errs...)
	})
	chain, err := f.tenantChain(f.sailpointClient("chain"), "chain", sailpoint.MethodOktaVerify, sailpoint.MethodDuoWeb)
	if err != nil {
		b.Fatal(err)
	}
	floor := max(writes, chain)
	what := fmt.Sprintf("%d configs over %d tenants at once: all Ready", n, tenants)
	record(b, what, secs(took), fmt.Sprintf("%s (writes %s, chain %s)", secs(floor), secs(writes), secs(chain)), ratio(took.Seconds(), floor.Seconds()))
	b.ReportMetric(took.Seconds(), "s-all-ready")
	b.ReportMetric(took.Seconds()/floor.Seconds(), "all-ready/floor")
	summarize(fmt.Sprintf("%d configs", n), took.Seconds()/floor.Seconds())

	objects := float64(tenants+n) / 1000
	growth := (after - rest) / objects
	record(b, "manager RSS at rest (empty namespace)", mib(rest), "-", "-")
	record(b, fmt.Sprintf("manager RSS, %d tenants + %d configs Ready and quiet", tenants, n), mib(after), "-", "-")
	record(b, "RSS growth per 1,000 managed objects (target ≤ 25 MiB)", mib(growth),
		mib(cached/objects)+" (the objects and Secrets as JSON)", ratio(growth, cached/objects))
	b.ReportMetric(growth, "MiB/1k-objects")
	summarize("RSS/1k objects vs JSON", growth/(cached/objects))
}

// settle is how long a manager is left alone before its RSS is read (BENCH_SETTLE).
func settle() time.Duration {
	if short() {
		return envDuration("BENCH_SETTLE", 3*time.Second)
	}
	return envDuration("BENCH_SETTLE", 5*time.Second)
}

// cachedMiB is the JSON size of what a manager watching ns must hold: its tenants,
// configs and Secrets, in MiB.
func (f *fixture) cachedMiB(ns string) float64 {
	f.b.Helper()
	total := 0
	for _, l := range []client.ObjectList{&mfav1.SailPointTenantList{}, &mfav1.MfaProviderConfigList{}, &corev1.SecretList{}} {
		if err := k8s.List(f.ctx, l, client.InNamespace(ns)); err != nil {
			f.b.Fatal(err)
		}
		data, err := json.Marshal(l)
		if err != nil {
			f.b.Fatal(err)
		}
		total += len(data)
	}
	return float64(total) / (1 << 20)
}

// BenchmarkSlowTenants creates 40 configs over 20 tenants whose SailPoint answers in 2 s
// (8 over 4 in the short version) and measures the time until all are Ready, beside one
// tenant's chain (a token, then GET + PUT + test of both configs), measured by the bench
// at the same time on a tenant of its own.
func BenchmarkSlowTenants(b *testing.B) {
	tenants := 20
	if short() {
		tenants = 4
	}
	f := newFixture(b, tenants+1, 2*time.Second, 10*time.Minute)
	f.startManager("manager", f.ns)
	configs := f.watch(&mfav1.MfaProviderConfigList{}, f.ns)

	type result struct {
		d   time.Duration
		err error
	}
	chainc := make(chan result, 1)
	chainClient := f.sailpointClient("chain")
	begin := time.Now()
	go func() {
		d, err := f.tenantChain(chainClient, "chain", sailpoint.MethodOktaVerify, sailpoint.MethodDuoWeb)
		chainc <- result{d, err}
	}()
	f.inParallel(tenants, func(i int) error {
		name := tenantName(i)
		secret, tenant := tenantObjects(name, f.tenantURL(name))
		return cmp.Or(f.create(f.ns, secret), f.create(f.ns, tenant),
			f.create(f.ns, configObject(name, mfav1.MfaMethodOktaVerify)), f.create(f.ns, configObject(name, mfav1.MfaMethodDuoWeb)))
	})
	took := f.waitReadyCount(configs, 2*tenants, 5*time.Minute).Sub(begin)
	chain := <-chainc
	if chain.err != nil {
		b.Fatal(chain.err)
	}
	record(b, fmt.Sprintf("%d configs over %d tenants at 2 s per call: all Ready", 2*tenants, tenants),
		secs(took), secs(chain.d)+" (one tenant's chain)", ratio(took.Seconds(), chain.d.Seconds()))
	b.ReportMetric(took.Seconds(), "s-all-ready")
	b.ReportMetric(took.Seconds()/chain.d.Seconds(), "all-ready/chain")
	summarize("slow tenants", took.Seconds()/chain.d.Seconds())
}

// BenchmarkMemory reads the RSS of a manager at rest on an empty namespace, and of one on
// a namespace holding 10,000 unrelated 10 KiB Secrets (1,000 in the short version).
func BenchmarkMemory(b *testing.B) {
	secrets := 10000
	if short() {
		secrets = 1000
	}
	f := newFixture(b, 1, 0, 15*time.Minute)
	empty := f.startManager("manager-empty", f.floor)
	rest := f.restingRSS(empty, settle())
	empty.Stop()

	blob := []byte(rand.String(10 << 10))
	f.inParallel(secrets, func(i int) error {
		return f.create(f.ns, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%05d", i)},
			Data:       map[string][]byte{"blob": blob},
		})
	})
	full := f.startManager("manager-secrets", f.ns)
	with := f.restingRSS(full, settle())
	full.Stop()
	record(b, "manager RSS at rest (empty namespace)", mib(rest), "-", "-")
	record(b, fmt.Sprintf("manager RSS with %d unrelated 10 KiB Secrets (target ≤ 1.2×)", secrets), mib(with), mib(rest)+" (without)", ratio(with, rest))
	b.ReportMetric(rest, "MiB-at-rest")
	b.ReportMetric(with/rest, "with-secrets/without")
	summarize("RSS with Secrets", with/rest)
}

func mib(v float64) string { return fmt.Sprintf("%.1f MiB", v) }
