// Package fault_test is the fault suite: it runs the real manager binary, the real
// SailPoint emulator binary and envtest's kube-apiserver and etcd as processes on loopback
// (internal/harness), injects faults (429s, 5xx bursts, latency, tenants that never answer,
// kills, an API-server restart) and proves with figures what the operator guarantees. Each
// test asserts its bound; the figures are printed in a table at the end.
//
// `make test-fault` builds what it needs (bin/manager, bin/sailpoint-emulator, bin/k8s).
// Every process it starts it stops; everything listens on 127.0.0.1 only.
package fault_test

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
)

var (
	repoRoot    = filepath.Join("..", "..")
	managerBin  = filepath.Join(repoRoot, "bin", "manager")
	emulatorBin = filepath.Join(repoRoot, "bin", "sailpoint-emulator")

	controlPlane *harness.ControlPlane
	k8s          client.Client
)

func TestMain(m *testing.M) {
	os.Exit(harness.RunSuite(m, repoRoot, "test-fault", func(cp *harness.ControlPlane) (err error) {
		controlPlane = cp
		k8s, err = cp.Client()
		return err
	}, printFigures, managerBin, emulatorBin))
}

// figures is the table printed at the end of the run.
var figures = harness.NewFigures("test", "figure", "measured", "bound")

// record adds a figure to the table printed at the end of the run.
func record(t *testing.T, what, value, bound string) {
	t.Helper()
	t.Logf("figure: %s = %s (bound %s)", what, value, bound)
	figures.Add(t.Name(), what, value, bound)
}

func printFigures() { figures.Print(os.Stdout, "Fault suite figures:") }
