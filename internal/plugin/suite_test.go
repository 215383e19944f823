package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/controller"
)

// The package's tests run every command in-process against the SailPoint emulator over
// HTTP, and the cluster-backed ones against one envtest control plane (a real kube-apiserver
// and etcd with the CRDs of config/crd/bases), reached through a kubeconfig file written
// for an envtest user, so that the real --kubeconfig flag is used.
var (
	// kubeconfigPath is the kubeconfig of the envtest user (cluster admin).
	kubeconfigPath string
	// k8s sets up fixtures and reads results.
	k8s client.Client
	// restConfig is the envtest admin's, for the manager.
	restConfig *rest.Config
	// stopManager stops the manager when managerOnce started it.
	stopManager = func() {}
	managerOnce sync.Once
	managerErr  error
)

// managedLabel marks the objects that the operator's manager, started by startManager,
// reconciles. The manager sees no other object of the three kinds, so the tests that set
// a status by hand keep it.
const managedLabel = "test.identityops.dev/managed-by"

// startManager starts, once for the package, the operator's real manager (the reconcilers
// of internal/controller) on the envtest API server, watching only the objects labelled
// managedLabel=plugin-test.
func startManager(t *testing.T) {
	t.Helper()
	managerOnce.Do(func() {
		selector := labels.SelectorFromSet(labels.Set{managedLabel: "plugin-test"})
		byObject := map[client.Object]cache.ByObject{}
		for _, o := range []client.Object{&mfav1.SailPointTenant{}, &mfav1.MfaProviderConfig{}, &mfav1.MfaKbaAnswers{}} {
			byObject[o] = cache.ByObject{Label: selector}
		}
		mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
			Scheme:                 k8s.Scheme(),
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			Cache:                  cache.Options{ByObject: byObject},
		})
		if err != nil {
			managerErr = err
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := controller.Setup(ctx, mgr, controller.Options{}); err != nil {
			cancel()
			managerErr = err
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := mgr.Start(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "manager:", err)
			}
		}()
		stopManager = func() {
			cancel()
			<-done
		}
	})
	if managerErr != nil {
		t.Fatalf("cannot start the manager: %v", managerErr)
	}
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrllog.SetLogger(logr.Discard())
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: binaryAssets(),
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start envtest (set KUBEBUILDER_ASSETS):", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "cannot stop envtest:", err)
		}
	}()

	user, err := env.AddUser(envtest.User{Name: "kubectl-mfa-test", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot add the envtest user:", err)
		return 1
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot write the kubeconfig:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kubectl-mfa-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "cannot create the test client:", err)
		return 1
	}
	restConfig = cfg
	defer func() { stopManager() }()
	return m.Run()
}

func binaryAssets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "bin", "k8s")
}
