// Package health proves the health checks shipped for Argo CD (config/argocd/health.lua), the
// kstatus reading that Flux applies to the operator's kinds, and the Flux healthCheckExprs
// documented in docs/install.md, on real objects: the real manager reconciles them on a real
// kube-apiserver and etcd (envtest) against the SailPoint emulator, and the objects are then
// read back from the API server as unstructured JSON.
package health

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/controller"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// k8s reads and writes the cluster without a cache; it is set by TestMain.
var k8s client.Client

// fresh holds objects read back from the API server before the manager started: what a
// health check sees between `kubectl apply` and the operator's first status write.
var fresh = map[string]*unstructured.Unstructured{}

// freshNamespace is where those objects live.
const freshNamespace = "health-fresh"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	sink := io.Discard
	if os.Getenv("HEALTH_TEST_LOG") != "" {
		sink = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(sink), zap.UseDevMode(true)))

	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: binaryAssets(),
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := createFresh(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "creating objects before the manager runs:", err)
		return 1
	}

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	if err := controller.Setup(ctx, mgr, controller.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "controller.Setup:", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()

	code := m.Run()
	cancel()
	for _, s := range servers {
		s.Close()
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "the manager did not stop within 30s")
	}
	return code
}

func binaryAssets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "bin", "k8s")
}

// createFresh creates one object of each kind and reads it back before any reconciler runs.
func createFresh(ctx context.Context) error {
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: freshNamespace}}); err != nil {
		return err
	}
	objs := []client.Object{
		tenant(freshNamespace, "http://127.0.0.1:1"),
		oktaConfig(freshNamespace, "okta", "acme", "okta-mfa"),
		kbaAnswers(freshNamespace, "acme", "kba"),
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return err
		}
		u, err := getUnstructured(ctx, o)
		if err != nil {
			return err
		}
		fresh[u.GetKind()] = u
	}
	return nil
}

// world is one scenario's namespace and, when it needs one, its own SailPoint emulator: the
// singleton guard compares tenants by baseURL cluster-wide, so scenarios must not share one.
// servers are the scenarios' emulators, closed when the tests are done.
var (
	serversMu sync.Mutex
	servers   []*httptest.Server
)

type world struct {
	ns     string
	emu    *emulator.Emulator
	server *httptest.Server
}

func newWorld(ctx context.Context, withEmulator bool) (*world, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "health-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		return nil, err
	}
	w := &world{ns: ns.Name}
	if withEmulator {
		w.emu = emulator.New(emulator.Config{TenantID: ns.Name}) // one SailPoint tenant per world
		w.server = httptest.NewServer(w.emu.Handler())
		serversMu.Lock()
		servers = append(servers, w.server)
		serversMu.Unlock()
	}
	return w, nil
}

func (w *world) secret(ctx context.Context, name string, data map[string]string) error {
	return k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, StringData: data,
	})
}

// adminTenant creates the tenant "acme" with the emulator's ORG_ADMIN credentials.
func (w *world) adminTenant(ctx context.Context) error {
	if err := w.secret(ctx, "acme-pat", map[string]string{
		"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret,
	}); err != nil {
		return err
	}
	return k8s.Create(ctx, tenant(w.ns, w.server.URL))
}

func tenant(ns, baseURL string) *mfav1.SailPointTenant {
	return &mfav1.SailPointTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: mfav1.SailPointTenantSpec{
			BaseURL:              baseURL,
			CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
		},
	}
}

func oktaConfig(ns, name, tenantName, secretName string) *mfav1.MfaProviderConfig {
	return &mfav1.MfaProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: mfav1.MfaProviderConfigSpec{
			TenantRef:          mfav1.TenantReference{Name: tenantName},
			Method:             mfav1.MfaMethodOktaVerify,
			Host:               "acme.okta.com",
			IdentityAttribute:  "email",
			AccessKeySecretRef: mfav1.SecretKeySelector{Name: secretName, Key: "accessKey"},
		},
	}
}

func kbaAnswers(ns, tenantName, secretName string) *mfav1.MfaKbaAnswers {
	return &mfav1.MfaKbaAnswers{
		ObjectMeta: metav1.ObjectMeta{Name: "svc-account", Namespace: ns},
		Spec: mfav1.MfaKbaAnswersSpec{
			TenantRef: mfav1.TenantReference{Name: tenantName},
			Answers: []mfav1.KbaAnswer{
				{QuestionID: "173421", AnswerSecretRef: mfav1.SecretKeySelector{Name: secretName, Key: "q1"}},
				{QuestionText: "What was the name of your first pet?", AnswerSecretRef: mfav1.SecretKeySelector{Name: secretName, Key: "q2"}},
			},
			Verify: true,
		},
	}
}

// getUnstructured reads obj from the API server as unstructured JSON, the form Argo CD and
// Flux hold objects in (integers as int64).
func getUnstructured(ctx context.Context, obj client.Object) (*unstructured.Unstructured, error) {
	gvk, err := apiutil.GVKForObject(obj, k8s.Scheme())
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, k8s.Get(ctx, client.ObjectKeyFromObject(obj), u)
}

// conditionOf returns the condition of type t of u, or nil.
func conditionOf(u *unstructured.Unstructured, t string) *metav1.Condition {
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, item := range raw {
		m, ok := item.(map[string]any)
		if !ok || m["type"] != t {
			continue
		}
		c := &metav1.Condition{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, c); err != nil {
			return nil
		}
		return c
	}
	return nil
}

// state is one scenario's object as read from the API server once it reached its state.
type state struct {
	obj *unstructured.Unstructured
	err error
}

var (
	statesOnce sync.Once
	states     map[string]state
)

// reachedStates runs every scenario once (concurrently) and returns the objects by scenario
// name. Tests of the Lua script, of kstatus and of Flux's CEL expressions share them.
func reachedStates() map[string]state {
	statesOnce.Do(func() {
		states = map[string]state{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, s := range scenarios {
			if s.setup == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := s.reach()
				mu.Lock()
				states[s.name] = state{obj: u, err: err}
				mu.Unlock()
			}()
		}
		wg.Wait()
		for kind, u := range fresh {
			states[kind+"/NoStatusYet"] = state{obj: u}
		}
	})
	return states
}

// reach sets the scenario up and waits (at most 45s) until its object has the Ready
// condition it expects, at the current generation, with the kstatus condition it expects.
func (s scenario) reach() (*unstructured.Unstructured, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	w, err := newWorld(ctx, s.emulator)
	if err != nil {
		return nil, err
	}
	obj, err := s.setup(ctx, w)
	if err != nil {
		return nil, err
	}
	var last *unstructured.Unstructured
	for {
		u, err := getUnstructured(ctx, obj)
		if err == nil {
			last = u
			if s.reached(u) {
				return u, nil
			}
		}
		select {
		case <-ctx.Done():
			if last != nil {
				conds, _, _ := unstructured.NestedSlice(last.Object, "status", "conditions")
				return nil, fmt.Errorf("%s: not reached in 45s; conditions: %v", s.name, conds)
			}
			return nil, fmt.Errorf("%s: not reached in 45s: %w", s.name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s scenario) reached(u *unstructured.Unstructured) bool {
	ready := conditionOf(u, mfav1.TypeReady)
	if ready == nil || ready.ObservedGeneration != u.GetGeneration() ||
		string(ready.Status) != s.readyStatus || ready.Reason != s.readyReason {
		return false
	}
	if s.holds != "" {
		c := conditionOf(u, s.holds)
		return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == u.GetGeneration()
	}
	return conditionOf(u, mfav1.TypeReconciling) == nil && conditionOf(u, mfav1.TypeStalled) == nil
}
