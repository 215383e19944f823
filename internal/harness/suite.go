package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartSuite starts the control plane of a suite of process-level tests or benchmarks run
// from a package below repoRoot: it checks that the binaries bins exist, takes kube-apiserver
// and etcd from KUBEBUILDER_ASSETS (else repoRoot/bin/k8s) and the CRDs from
// repoRoot/config/crd/bases, and keeps its state in a temporary directory. stop stops the
// control plane and removes that directory.
func StartSuite(repoRoot, makeTarget string, bins ...string) (cp *ControlPlane, stop func(), err error) {
	for _, path := range bins {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("%s is missing: run `make %s` (or `make build`) first", path, makeTarget)
		}
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(repoRoot, "bin", "k8s")
	}
	stateDir, err := os.MkdirTemp("", "sailpoint-suite-")
	if err != nil {
		return nil, nil, err
	}
	cp, err = StartControlPlane(assets, filepath.Join(repoRoot, "config", "crd", "bases"), stateDir)
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(stateDir))
	}
	return cp, func() { _ = cp.Stop(); _ = os.RemoveAll(stateDir) }, nil
}

// RunSuite is the body of a TestMain: it starts the control plane (StartSuite), calls setup
// with it, runs the tests or benchmarks, calls after, stops the control plane and returns
// the exit code.
func RunSuite(m *testing.M, repoRoot, makeTarget string, setup func(*ControlPlane) error, after func(), bins ...string) int {
	cp, stop, err := StartSuite(repoRoot, makeTarget, bins...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	if err := setup(cp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	after()
	return code
}

// Manager is a running manager binary and its output.
type Manager struct {
	*Process
	Out *Lines
}

// StartManager starts the manager binary at path against the control plane, with args.
// When tb ends the manager is killed if it still runs, and if tb failed the tail of its
// output is logged.
func (c *ControlPlane) StartManager(tb testing.TB, name, path string, args ...string) *Manager {
	tb.Helper()
	out := &Lines{}
	p, err := Start(name, out, []string{"KUBECONFIG=" + c.Kubeconfig}, path, args...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		select {
		case <-p.Done():
		default:
			p.Kill()
		}
		if tb.Failed() {
			tail := out.Tail(150)
			tb.Logf("last %d lines of %s:\n%s", len(tail), name, strings.Join(tail, "\n"))
		}
	})
	return &Manager{Process: p, Out: out}
}
