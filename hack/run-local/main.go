// Command run-local runs the operator on a local control plane against the SailPoint
// emulator, with the samples applied: `make run-local`.
//
// It starts kube-apiserver and etcd (envtest, binaries from bin/k8s or KUBEBUILDER_ASSETS)
// with the CRDs installed, writes a kubeconfig to .run-local/kubeconfig, starts
// bin/sailpoint-emulator on 127.0.0.1:18080 and bin/manager, applies config/samples, waits
// until every sample is Ready and prints `kubectl get mfa -A`. Then it stays up until
// Ctrl-C and cleans up. With RUN_LOCAL_ONESHOT=1 it exits 0 once the samples are Ready, or
// non-zero with the reason.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
)

const (
	emulatorAddr = "127.0.0.1:18080"
	stateDir     = ".run-local"
	readyTimeout = 3 * time.Minute
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "run-local:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	oneshot := os.Getenv("RUN_LOCAL_ONESHOT") == "1"

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join("bin", "k8s")
	}
	if err := harness.CheckPortFree(emulatorAddr); err != nil {
		return fmt.Errorf("is another run-local or emulator running? %w", err)
	}

	step("Starting kube-apiserver and etcd (envtest) from %s", assets)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	cp, err := harness.StartControlPlane(assets, filepath.Join("config", "crd", "bases"), stateDir)
	if err != nil {
		return err
	}
	defer func() {
		step("Stopping the control plane")
		_ = cp.Stop()
		// The kubeconfig names a control plane that is gone once run-local ends (Ctrl-C too).
		_ = os.Remove(cp.Kubeconfig)
	}()

	step("Starting the SailPoint emulator on http://%s", emulatorAddr)
	emu, err := harness.StartEmulator(ctx, os.Stdout, filepath.Join("bin", "sailpoint-emulator"), emulatorAddr)
	if err != nil {
		return err
	}
	defer emu.Stop()

	step("Starting the operator (bin/manager)")
	mgr, err := harness.Start("manager", os.Stdout, []string{"KUBECONFIG=" + cp.Kubeconfig}, filepath.Join("bin", "manager"),
		"--metrics-bind-address=127.0.0.1:18443", "--health-probe-bind-address=127.0.0.1:18081", "--zap-log-level=info")
	if err != nil {
		return err
	}
	defer mgr.Stop()

	step("Applying config/samples")
	if err := cp.Kubectl(os.Stdout, "apply", "-n", "default", "-k", filepath.Join("config", "samples")); err != nil {
		return err
	}

	step("Waiting until every sample is Ready (at most %s)", readyTimeout)
	k8s, err := cp.Client()
	if err != nil {
		return err
	}
	if err := harness.WaitReady(ctx, k8s, readyTimeout); err != nil {
		_ = cp.Kubectl(os.Stdout, "get", "mfa", "-A")
		return err
	}
	fmt.Println()
	if err := cp.Kubectl(os.Stdout, "get", "mfa", "-A"); err != nil {
		return err
	}
	abs, _ := filepath.Abs(cp.Kubeconfig)
	kubectlPath, _ := filepath.Abs(filepath.Join(assets, "kubectl"))
	pluginDir, _ := filepath.Abs("bin")
	fmt.Printf(`
Every sample is Ready. Point kubectl at the local cluster with:

    export KUBECONFIG=%[1]s
    alias kubectl=%[2]s
    kubectl get mfa -A
    kubectl describe mfaproviderconfig okta

The kubectl mfa plugin is bin/kubectl-mfa; put it on the PATH to use it through kubectl:

    export PATH=%[3]s:$PATH
    kubectl mfa status -A
    kubectl mfa doctor
    kubectl mfa reconcile mfapc/okta --wait
    kubectl mfa token send --alias will.albin --delivery EMAIL_WORK

The emulator's admin endpoints are listed at http://%[4]s/admin/: the request log, faults,
the one-time codes token send "sent" (http://%[4]s/admin/sent-tokens; a real tenant never
shows them), token expiry and reset. Ctrl-C stops everything and removes the kubeconfig.
`, abs, kubectlPath, pluginDir, emulatorAddr)
	if oneshot {
		step("RUN_LOCAL_ONESHOT=1: done")
		return nil
	}
	step("Running; press Ctrl-C to stop and clean up")
	select {
	case <-ctx.Done():
	case <-emu.Done():
		return errors.New("the emulator exited")
	case <-mgr.Done():
		return errors.New("the manager exited")
	}
	return nil
}

func step(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}
