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
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
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
	if err := checkPortFree(emulatorAddr); err != nil {
		return err
	}

	step("Starting kube-apiserver and etcd (envtest) from %s", assets)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		step("Stopping the control plane")
		_ = env.Stop()
	}()
	kubeconfig, err := writeKubeconfig(env)
	if err != nil {
		return err
	}
	// The kubeconfig names a control plane that is gone once run-local ends (Ctrl-C too).
	defer func() { _ = os.Remove(kubeconfig) }()

	step("Starting the SailPoint emulator on http://%s", emulatorAddr)
	emu, err := start("emulator", nil, filepath.Join("bin", "sailpoint-emulator"), "--listen="+emulatorAddr)
	if err != nil {
		return err
	}
	defer emu.stop()
	if err := waitForPort(ctx, emulatorAddr, 30*time.Second); err != nil {
		return fmt.Errorf("the emulator did not start: %w", err)
	}

	step("Starting the operator (bin/manager)")
	mgr, err := start("manager", []string{"KUBECONFIG=" + kubeconfig}, filepath.Join("bin", "manager"),
		"--metrics-bind-address=127.0.0.1:18443", "--health-probe-bind-address=127.0.0.1:18081", "--zap-log-level=info")
	if err != nil {
		return err
	}
	defer mgr.stop()

	step("Applying config/samples")
	if err := kubectl(assets, kubeconfig, os.Stdout, "apply", "-n", "default", "-k", filepath.Join("config", "samples")); err != nil {
		return err
	}

	step("Waiting until every sample is Ready (at most %s)", readyTimeout)
	k8s, err := newClient(cfg)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, k8s, readyTimeout); err != nil {
		_ = kubectl(assets, kubeconfig, os.Stdout, "get", "mfa", "-A")
		return err
	}
	fmt.Println()
	if err := kubectl(assets, kubeconfig, os.Stdout, "get", "mfa", "-A"); err != nil {
		return err
	}
	abs, _ := filepath.Abs(kubeconfig)
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
	case <-emu.done:
		return errors.New("the emulator exited")
	case <-mgr.done:
		return errors.New("the manager exited")
	}
	return nil
}

func step(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}

func checkPortFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s is in use (is another run-local or emulator running?): %w", addr, err)
	}
	return l.Close()
}

func waitForPort(ctx context.Context, addr string, timeout time.Duration) error {
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			lastErr = err
			return false, nil
		}
		return true, c.Close()
	})
	if err != nil && lastErr != nil && ctx.Err() == nil {
		return lastErr
	}
	return err
}

func writeKubeconfig(env *envtest.Environment) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "run-local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("creating a kubeconfig user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(stateDir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// process is a child process whose output is printed with a prefix.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func start(name string, env []string, path string, args ...string) (*process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (run `make build` first?): %w", path, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		prefixLines(os.Stdout, "["+name+"] ", out)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func prefixLines(w io.Writer, prefix string, r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		fmt.Fprintln(w, prefix+s.Text())
	}
}

func kubectl(assets, kubeconfig string, out io.Writer, args ...string) error {
	cmd := exec.Command(filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func newClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := mfav1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme})
}

// waitReady waits until every object of the three kinds is Ready at its generation; on
// timeout it names those that are not, with their reason and message.
func waitReady(ctx context.Context, c client.Client, timeout time.Duration) error {
	var pending []string
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		pending, lastErr = notReady(ctx, c)
		return lastErr == nil && len(pending) == 0, nil
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case lastErr != nil:
		return lastErr
	}
	return fmt.Errorf("not Ready after %s:\n  %s", timeout, strings.Join(pending, "\n  "))
}

func notReady(ctx context.Context, c client.Client) ([]string, error) {
	lists := []client.ObjectList{&mfav1.SailPointTenantList{}, &mfav1.MfaProviderConfigList{}, &mfav1.MfaKbaAnswersList{}}
	var pending []string
	total := 0
	for _, l := range lists {
		if err := c.List(ctx, l); err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			total++
			o := item.(mfav1.Object)
			ready := meta.FindStatusCondition(o.GetConditions(), mfav1.TypeReady)
			if ready == nil || ready.Status != metav1.ConditionTrue || ready.ObservedGeneration != o.GetGeneration() {
				desc := fmt.Sprintf("%T %s/%s", o, o.GetNamespace(), o.GetName())
				if ready != nil {
					desc += fmt.Sprintf(": Ready=%s %s: %s", ready.Status, ready.Reason, ready.Message)
				}
				pending = append(pending, strings.TrimPrefix(desc, "*v1alpha1."))
			}
		}
	}
	if total == 0 {
		return []string{"no objects yet"}, nil
	}
	return pending, nil
}
