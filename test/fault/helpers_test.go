package fault_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
)

// poll is how often the suite looks at the API server, the emulator's log or a process's
// output.
const poll = 20 * time.Millisecond

// fixture is one test's namespace and emulator; the managers it starts watch that
// namespace only, so tests do not see each other's objects.
type fixture struct {
	t   *testing.T
	ctx context.Context
	ns  string
	emu *harness.Emulator
}

func newFixture(t *testing.T, emulatorArgs ...string) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	name := strings.ToLower(strings.TrimPrefix(t.Name(), "Test"))
	if len(name) > 40 {
		name = name[:40]
	}
	f := &fixture{t: t, ctx: ctx, ns: strings.Trim(name, "-") + "-" + rand.String(5)}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}); err != nil {
		t.Fatal(err)
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	// The emulator's own output starts with its demo credentials: it is not kept. On
	// failure the test prints the emulator's request log instead, which is redacted.
	f.emu, err = harness.StartEmulator(ctx, io.Discard, emulatorBin, addr, append([]string{"--quiet"}, emulatorArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if reqs, err := f.emu.Requests(context.Background()); err == nil {
				var b strings.Builder
				for _, r := range reqs {
					fmt.Fprintf(&b, "%s %s %s identity=%s status=%d\n", r.Time.Format("15:04:05.000"), r.Method, r.Path, r.ClientID, r.Status)
				}
				t.Logf("emulator request log (%d requests since the last clear):\n%s", len(reqs), b.String())
			}
		}
		f.emu.Stop()
	})
	return f
}

// manager is a running bin/manager.
type manager = harness.Manager

// startManager starts bin/manager watching the fixture's namespace, with extra flags.
func (f *fixture) startManager(name string, args ...string) *manager {
	f.t.Helper()
	return controlPlane.StartManager(f.t, name, managerBin, append([]string{
		"--watch-namespace=" + f.ns, "--metrics-bind-address=0", "--health-probe-bind-address=0",
	}, args...)...)
}

// leaderFlags are the flags of a manager that takes part in leader election in the
// fixture's namespace.
func (f *fixture) leaderFlags(lease, renew, retry time.Duration) []string {
	return []string{
		"--leader-elect", "--leader-election-namespace=" + f.ns,
		"--leader-election-lease-duration=" + lease.String(),
		"--leader-election-renew-deadline=" + renew.String(),
		"--leader-election-retry-period=" + retry.String(),
	}
}

// Lines that controller-runtime and client-go's leader election print.
const (
	logAttemptingLease = "Attempting to acquire leader lease"
	logAcquiredLease   = "Successfully acquired lease"
	logStartingWorkers = "Starting workers"
)

// waitLog waits until m has printed a line containing substr, and returns how long that took.
func (f *fixture) waitLog(m *manager, substr string, timeout time.Duration) time.Duration {
	f.t.Helper()
	begin := time.Now()
	f.eventually(timeout, func() bool { return m.Out.Contains(substr) }, "%s to print %q", m.Name, substr)
	return time.Since(begin)
}

// eventually polls cond until it holds, or fails the test after timeout.
func (f *fixture) eventually(timeout time.Duration, cond func() bool, format string, args ...any) {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out after %s waiting for "+format, append([]any{timeout}, args...)...)
		}
		select {
		case <-f.ctx.Done():
			f.t.Fatalf("test context done waiting for "+format, args...)
		case <-time.After(poll):
		}
	}
}

// create creates objects in the fixture's namespace.
func (f *fixture) create(objs ...client.Object) {
	f.t.Helper()
	for _, o := range objs {
		o.SetNamespace(f.ns)
		if err := k8s.Create(f.ctx, o); err != nil {
			f.t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// tenant is a SailPointTenant at baseURL with the emulator's ORG_ADMIN credentials, and
// their Secret.
func tenant(name, baseURL string) []client.Object {
	return []client.Object{
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-pat"},
			StringData: map[string]string{
				"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret,
			},
		},
		&mfav1.SailPointTenant{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: mfav1.SailPointTenantSpec{
				BaseURL:              baseURL,
				CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: name + "-pat"},
			},
		},
	}
}

// oktaConfig is an Okta Verify MfaProviderConfig of the tenant, and its Secret.
func oktaConfig(name, tenantName string) (*mfav1.MfaProviderConfig, *corev1.Secret) {
	return &mfav1.MfaProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: mfav1.MfaProviderConfigSpec{
				TenantRef:          mfav1.TenantReference{Name: tenantName},
				Method:             mfav1.MfaMethodOktaVerify,
				Host:               "acme.okta.com",
				IdentityAttribute:  "email",
				AccessKeySecretRef: mfav1.SecretKeySelector{Name: name + "-key", Key: "accessKey"},
			},
		}, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-key"},
			StringData: map[string]string{"accessKey": "okta-fault-access-key-" + name},
		}
}

// kbaAnswers is an MfaKbaAnswers (verify: true) of the tenant's identity, and its Secret.
func kbaAnswers(name, tenantName string) (*mfav1.MfaKbaAnswers, *corev1.Secret) {
	return &mfav1.MfaKbaAnswers{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: mfav1.MfaKbaAnswersSpec{
				TenantRef: mfav1.TenantReference{Name: tenantName},
				Answers: []mfav1.KbaAnswer{
					{QuestionID: "173421", AnswerSecretRef: mfav1.SecretKeySelector{Name: name + "-answers", Key: "q1"}},
					{QuestionID: "173422", AnswerSecretRef: mfav1.SecretKeySelector{Name: name + "-answers", Key: "q2"}},
				},
				Verify: true,
			},
		}, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-answers"},
			StringData: map[string]string{"q1": "Springfield", "q2": "Biscuit"},
		}
}

// readyOkta creates the tenant "acme" on the fixture's emulator with the Okta config "okta",
// waits until the config is Ready (a manager must be running), and returns it.
func (f *fixture) readyOkta() *mfav1.MfaProviderConfig {
	f.t.Helper()
	f.create(tenant("acme", f.emu.URL)...)
	cfg, key := oktaConfig("okta", "acme")
	f.create(key, cfg)
	f.waitReady(cfg, 30*time.Second)
	return cfg
}

// leaderAndStandby starts two managers with flags: the first holds the lease, the second
// waits for it.
func (f *fixture) leaderAndStandby(flags []string) (leader, standby *manager) {
	f.t.Helper()
	leader = f.startManager("leader", flags...)
	f.waitLog(leader, logAcquiredLease, 30*time.Second)
	standby = f.startManager("standby", flags...)
	f.waitLog(standby, logAttemptingLease, 30*time.Second)
	return leader, standby
}

// waitReady waits until obj is Ready at its generation, and returns how long that took.
func (f *fixture) waitReady(obj mfav1.Object, timeout time.Duration) time.Duration {
	f.t.Helper()
	begin := time.Now()
	key := client.ObjectKeyFromObject(obj)
	f.eventually(timeout, func() bool {
		return k8s.Get(f.ctx, key, obj) == nil && harness.IsReady(obj)
	}, "%T %s to be Ready", obj, key)
	return time.Since(begin)
}

// requestReconcile sets the requestedAt annotation on obj and returns its value.
func (f *fixture) requestReconcile(obj mfav1.Object) string {
	f.t.Helper()
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, mfav1.ReconcileRequestedAtAnnotation, token)
	f.patch(obj, patch)
	return token
}

// patch merge-patches obj, retrying while the API server is not there yet.
func (f *fixture) patch(obj client.Object, mergePatch string) {
	f.t.Helper()
	var err error
	f.eventually(time.Minute, func() bool {
		err = k8s.Patch(f.ctx, obj, client.RawPatch("application/merge-patch+json", []byte(mergePatch)))
		return err == nil
	}, "the patch of %s to be accepted (last error: %v)", obj.GetName(), err)
}

// waitHandled waits until obj has handled the requestedAt value token and is Ready, and
// returns how long that took.
func (f *fixture) waitHandled(obj mfav1.Object, token string, timeout time.Duration) time.Duration {
	f.t.Helper()
	begin := time.Now()
	key := client.ObjectKeyFromObject(obj)
	f.eventually(timeout, func() bool {
		return k8s.Get(f.ctx, key, obj) == nil && harness.IsReady(obj) &&
			obj.GetCommonStatus().LastHandledReconcileAt == token
	}, "%T %s to handle requestedAt %s and be Ready", obj, key, token)
	return time.Since(begin)
}

// requests is the emulator's request log.
func (f *fixture) requests() []emulator.Request {
	f.t.Helper()
	reqs, err := f.emu.Requests(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return reqs
}

func (f *fixture) clearRequests() {
	f.t.Helper()
	if err := f.emu.ClearRequests(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) setFaults(faults map[string]any) {
	f.t.Helper()
	if err := f.emu.SetFaults(f.ctx, faults); err != nil {
		f.t.Fatal(err)
	}
}

// matching returns the requests with this method (any when "") whose path ends with suffix (either API
// version), and status when status is not 0.
func matching(reqs []emulator.Request, method, suffix string, status int) []emulator.Request {
	var out []emulator.Request
	for _, r := range reqs {
		if (method == "" || r.Method == method) && strings.HasSuffix(r.Path, suffix) && (status == 0 || r.Status == status) {
			out = append(out, r)
		}
	}
	return out
}

// Paths, as suffixes common to the v3 and the v1 API.
const (
	pathOktaConfig   = "/okta-verify/config"
	pathKBAAnswers   = "/kba/config/answers"
	pathAuthenticate = "/kba/authenticate"
)

// silentServer accepts TCP connections on loopback and never answers: a SailPoint that
// hangs. It counts the connections it accepted.
type silentServer struct {
	ln       net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted int
}

const maxSilentConns = 500

func newSilentServer(t *testing.T) *silentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted++
			if len(s.conns) < maxSilentConns {
				s.conns = append(s.conns, c)
			} else {
				_ = c.Close()
			}
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

func (s *silentServer) URL() string { return "http://" + s.ln.Addr().String() }

func (s *silentServer) acceptedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// seconds formats d as seconds with two decimals.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
