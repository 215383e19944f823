package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// ControlPlane is envtest's kube-apiserver and etcd, with the CRDs installed and a
// kubeconfig file for the processes that talk to it.
type ControlPlane struct {
	// Assets is the directory holding kube-apiserver, etcd and kubectl.
	Assets string
	// Config is an admin's config for this process's own clients.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig, for the manager and kubectl.
	Kubeconfig string

	env     *envtest.Environment
	certDir string
}

// StartControlPlane starts kube-apiserver and etcd from assets (bin/k8s when empty),
// installs the CRDs found in crdDir, and writes a kubeconfig into stateDir. The API
// server's certificates live in stateDir too, so RestartAPIServer keeps its port, its
// certificates and every client's credentials.
func StartControlPlane(assets, crdDir, stateDir string) (*ControlPlane, error) {
	if assets == "" {
		assets = filepath.Join("bin", "k8s")
	}
	// Fresh certificates every time: envtest keeps those it finds but then has no CA for
	// its own clients.
	certDir := filepath.Join(stateDir, "apiserver")
	if err := os.RemoveAll(certDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	// kube-apiserver's graceful shutdown waits for its clients' open watches (up to a
	// minute): StopAPIServer stops it hard instead, as a crash or a node loss would.
	env.ControlPlane.APIServer = &envtest.APIServer{CertDir: certDir, StopTimeout: 200 * time.Millisecond}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	cp := &ControlPlane{Assets: assets, Config: cfg, env: env, certDir: certDir}
	if cp.Kubeconfig, err = writeKubeconfig(env, stateDir); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

func writeKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("creating a kubeconfig user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// StopAPIServer stops kube-apiserver only (SIGTERM, and SIGKILL 200ms later); etcd keeps
// running. It returns once the API server's port refuses connections.
func (c *ControlPlane) StopAPIServer() error {
	_ = c.env.ControlPlane.APIServer.Stop() // an error only says that SIGKILL was needed
	u, err := url.Parse(c.Config.Host)
	if err != nil {
		return err
	}
	// Poll until the port refuses connections.
	err = wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		conn, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			return true, nil
		}
		return false, conn.Close()
	})
	if err != nil {
		return fmt.Errorf("kube-apiserver still answers on %s: %w", u.Host, err)
	}
	return nil
}

// StartAPIServer starts kube-apiserver again on the same port, certificates and etcd.
func (c *ControlPlane) StartAPIServer() error { return c.env.ControlPlane.APIServer.Start() }

// Stop stops kube-apiserver and etcd, and removes the API server's certificates.
func (c *ControlPlane) Stop() error {
	_ = c.StopAPIServer()
	err := c.env.Stop()
	return errors.Join(err, os.RemoveAll(c.certDir))
}

// Kubectl runs kubectl against the control plane, its output to out.
func (c *ControlPlane) Kubectl(out io.Writer, args ...string) error {
	cmd := exec.Command(filepath.Join(c.Assets, "kubectl"), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// Client is an uncached client for the built-in kinds and the operator's kinds.
func (c *ControlPlane) Client() (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return client.New(c.Config, client.Options{Scheme: scheme})
}
