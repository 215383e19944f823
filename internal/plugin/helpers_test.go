package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// Values that no command may ever print: the credentials, the provider keys the emulator
// is configured with, and the Duo signed response. Token codes and KBA answers are added
// by the tests that use them.
const (
	oktaAccessKey = "okta-access-key-0123456789"
	duoIKey       = "DIWJ8X6AEYOR5OMC6TQ1"
	duoSKey       = "duo-secret-key-0123456789abcdefghijklmn"
	signedDuo     = "AUTH|d2lsbC5hbGJpbnxESTZNMFpH|f1f5f8ced5b3:APP|d2lsbC5hbGJpbnxESTZNMFpHSThK|cb44cf44353f"
)

// world is one test's SailPoint tenant: an emulator behind an httptest server, and, with
// inCluster, a namespace holding the SailPointTenant "acme" for it. Everything the commands
// of the test print is checked, at cleanup, for the secrets it knows.
type world struct {
	t   *testing.T
	emu *emulator.Emulator
	url string
	ns  string

	mu sync.Mutex
	// forwarded holds the slpt-forwarding headers of okta-verify/verify requests.
	forwarded []string
	secrets   []string
	printed   strings.Builder
	// labels are put on every object of the three kinds the world creates.
	labels map[string]string
}

// worlds numbers the worlds, for their tenant ids.
var worlds atomic.Int64

// newWorld starts an emulator configured with cfg, with Okta Verify and Duo Web configured
// and enabled.
func newWorld(t *testing.T, cfg emulator.Config) *world {
	t.Helper()
	if cfg.TenantID == "" {
		// One SailPoint tenant per world, as the singleton guard sees it.
		cfg.TenantID = fmt.Sprintf("%s-%d", t.Name(), worlds.Add(1))
	}
	w := &world{t: t, emu: emulator.New(cfg)}
	w.emu.SetOktaConfig(emulator.OktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: oktaAccessKey, IdentityAttribute: "email"})
	w.emu.SetDuoConfig(emulator.DuoConfig{Enabled: true, Host: "api-1234.duosecurity.com", AccessKey: oktaAccessKey,
		IdentityAttribute: "uid", ConfigProperties: map[string]any{"ikey": duoIKey, "skey": duoSKey}})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v3/mfa/okta-verify/verify" {
			w.mu.Lock()
			w.forwarded = append(w.forwarded, r.Header.Get("slpt-forwarding"))
			w.mu.Unlock()
		}
		w.emu.Handler().ServeHTTP(rw, r)
	}))
	w.url = srv.URL
	w.secrets = []string{emulator.DefaultAdminClientSecret, emulator.DefaultAdminClientID,
		emulator.DefaultUserClientSecret, oktaAccessKey, duoIKey, duoSKey, signedDuo}
	t.Cleanup(func() {
		srv.Close()
		w.checkNoSecretPrinted()
	})
	return w
}

// managed starts the operator's manager and has it reconcile the world's objects: call it
// before inCluster. extra labels go on every object too.
func (w *world) managed(extra map[string]string) *world {
	w.t.Helper()
	startManager(w.t)
	w.labels = map[string]string{managedLabel: "plugin-test"}
	for k, v := range extra {
		w.labels[k] = v
	}
	return w
}

// inCluster creates a namespace with the Secret "acme-pat" (the emulator's ORG_ADMIN
// credentials) and the SailPointTenant "acme" pointing at the emulator.
func (w *world) inCluster() *world {
	w.t.Helper()
	w.ns = createNamespace(w.t)
	w.createSecret("acme-pat", map[string]string{"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret})
	w.createTenant("acme", "acme-pat")
	return w
}

func createNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "mfa-plugin-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

func (w *world) createSecret(name string, data map[string]string) {
	w.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, StringData: data}
	if err := k8s.Create(context.Background(), s); err != nil {
		w.t.Fatalf("create Secret %s: %v", name, err)
	}
	for _, v := range data {
		w.addSecret(v)
	}
}

func (w *world) createTenant(name, secret string) *mfav1.SailPointTenant {
	w.t.Helper()
	t := &mfav1.SailPointTenant{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: mfav1.SailPointTenantSpec{
			BaseURL:              w.url,
			CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: secret},
		},
	}
	w.create(t)
	return t
}

func (w *world) create(obj client.Object) {
	w.t.Helper()
	if _, ok := obj.(*corev1.Secret); !ok && len(w.labels) > 0 {
		l := obj.GetLabels()
		if l == nil {
			l = map[string]string{}
		}
		for k, v := range w.labels {
			l[k] = v
		}
		obj.SetLabels(l)
	}
	if err := k8s.Create(context.Background(), obj); err != nil {
		w.t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// addSecret adds a value that must never be printed.
func (w *world) addSecret(v string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, v)
}

func (w *world) checkNoSecretPrinted() {
	w.mu.Lock()
	defer w.mu.Unlock()
	printed := w.printed.String()
	for _, s := range w.secrets {
		if s != "" && strings.Contains(printed, s) {
			w.t.Errorf("a secret value (%d characters, starting %q) was printed", len(s), s[:min(3, len(s))])
		}
	}
}

// adminAPI is a client of the emulator with the ORG_ADMIN credentials, to set up state.
func (w *world) adminAPI() sailpoint.API {
	w.t.Helper()
	api, err := sailpoint.New(sailpoint.Options{BaseURL: w.url, ClientID: emulator.DefaultAdminClientID, ClientSecret: emulator.DefaultAdminClientSecret})
	if err != nil {
		w.t.Fatal(err)
	}
	return api
}

// invocation describes how a command is run.
type invocation struct {
	stdin      string
	terminal   bool
	inTerminal bool
	// passwords are what the user types at the no-echo prompts, in order.
	passwords []string
	env       map[string]string
	// cancelAfter cancels the command's context after that time, like Ctrl-C.
	cancelAfter time.Duration
}

// result is what a command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// cluster runs args with --kubeconfig and -n of the world's namespace.
func (w *world) cluster(args ...string) result {
	return w.exec(invocation{}, append([]string{"--kubeconfig", kubeconfigPath, "-n", w.ns}, args...)...)
}

// flags runs args with --base-url of the emulator and the ORG_ADMIN credentials in the
// environment.
func (w *world) flags(args ...string) result {
	return w.execFlags(invocation{}, args...)
}

func (w *world) execFlags(inv invocation, args ...string) result {
	if inv.env == nil {
		inv.env = map[string]string{envClientID: emulator.DefaultAdminClientID, envClientSecret: emulator.DefaultAdminClientSecret}
	}
	return w.exec(inv, append([]string{"--base-url", w.url}, args...)...)
}

// exec runs kubectl mfa in-process as main does, and records its output for the secret check.
func (w *world) exec(inv invocation, args ...string) result {
	w.t.Helper()
	res := run(w.t, inv, args...)
	w.mu.Lock()
	w.printed.WriteString(res.stdout)
	w.printed.WriteString(res.stderr)
	w.mu.Unlock()
	return res
}

// run executes kubectl mfa with args the way cmd/kubectl-mfa does.
func run(t *testing.T, inv invocation, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	passwords := inv.passwords
	streams := IOStreams{
		In: strings.NewReader(inv.stdin), Out: &stdout, ErrOut: &stderr,
		Terminal: inv.terminal, InTerminal: inv.inTerminal,
		ReadPassword: func() ([]byte, error) {
			if len(passwords) == 0 {
				return nil, errors.New("no more input")
			}
			p := passwords[0]
			passwords = passwords[1:]
			return []byte(p), nil
		},
	}
	cmd := NewCommand(Options{
		Streams: streams,
		Getenv:  func(k string) string { return inv.env[k] },
		NewSailPointClient: func(o sailpoint.Options) (sailpoint.API, error) {
			o.RetryBaseDelay, o.RetryMaxDelay, o.Timeout = time.Millisecond, 5*time.Millisecond, 10*time.Second
			return sailpoint.New(o)
		},
	})
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if inv.cancelAfter > 0 {
		timer := time.AfterFunc(inv.cancelAfter, cancel)
		defer timer.Stop()
	}
	failed, err := cmd.ExecuteContextC(ctx)
	PrintError(&stderr, failed, err)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: ExitCode(err)}
}

// expectCode fails the test when res has another exit code.
func expectCode(t *testing.T, res result, code int) {
	t.Helper()
	if res.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, code, res.stdout, res.stderr)
	}
}

// decodeJSON parses the command's standard output into v.
func decodeJSON(t *testing.T, res result, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(res.stdout), v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s\nstderr:\n%s", err, res.stdout, res.stderr)
	}
}

func decodeYAML(t *testing.T, res result, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(res.stdout), v); err != nil {
		t.Fatalf("stdout is not YAML of %T: %v\n%s", v, err, res.stdout)
	}
}

func expectContains(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func expectNotContains(t *testing.T, s string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(s, u) {
			t.Errorf("output contains %q:\n%s", u, s)
		}
	}
}

type clientObject = client.Object

func key(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
