// Package bench_test measures the operator as a user runs it: the real manager binary, the
// real SailPoint emulator binary (many tenants behind one address, with per-request
// latency) and envtest's kube-apiserver and etcd, all as processes on 127.0.0.1
// (internal/harness). Each figure is printed beside a floor measured in the same run: the
// bench doing the same Kubernetes and HTTP work itself, on objects the manager does not
// watch, or the minimum number of calls.
//
// These are benchmarks, not timed tests: nothing is asserted beyond "it finished". Each
// scenario runs once (-benchtime=1x); `make bench` (N=1000) and `make bench-short` (N=100,
// small scenarios, run by CI) build what they need. Environment:
//
//	BENCH_N             configs in the burst scenario, over BENCH_N/2 tenants (default 1000)
//	BENCH_SHORT=1       the small version of the slow-tenant and memory scenarios
//	BENCH_LATENCY       the emulator's latency in the burst scenario (default 20ms)
//	BENCH_APPLY_LATENCY the emulator's latency in the one-at-a-time scenario (default 0)
//	BENCH_MANAGER_ARGS  the manager's tuning flags, e.g. --max-concurrent-reconciles=16
//	                    (default none: the shipped defaults)
//	BENCH_SETTLE        how long a manager is left alone before its RSS is read (5s; short 3s)
//
// Every loop is bounded in count and time; every process it starts it stops.
package bench_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
)

var (
	repoRoot    = filepath.Join("..", "..")
	managerBin  = filepath.Join(repoRoot, "bin", "manager")
	emulatorBin = filepath.Join(repoRoot, "bin", "sailpoint-emulator")

	controlPlane *harness.ControlPlane
	k8s          client.WithWatch
)

func TestMain(m *testing.M) {
	os.Exit(harness.RunSuite(m, repoRoot, "bench-short", func(cp *harness.ControlPlane) (err error) {
		controlPlane = cp
		k8s, err = benchClient()
		return err
	}, printFigures, managerBin, emulatorBin))
}

// figures is the table printed at the end of the run; summary holds the ratios of its
// closing line, in the order they were measured.
var (
	figures   = harness.NewFigures("scenario", "figure", "measured", "floor", "ratio")
	summaryMu sync.Mutex
	summary   []string
)

// record adds a row to the table printed at the end of the run.
func record(b *testing.B, what, value, floor, ratio string) {
	b.Helper()
	b.Logf("figure: %s = %s (floor %s, %s)", what, value, floor, ratio)
	figures.Add(strings.TrimPrefix(b.Name(), "Benchmark"), what, value, floor, ratio)
}

// summarize adds "name ratio" to the closing summary line.
func summarize(name string, ratio float64) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	summary = append(summary, fmt.Sprintf("%s %.2f×", name, ratio))
}

func printFigures() {
	flags := strings.Join(managerTuning(), " ")
	if flags == "" {
		flags = "none, the shipped defaults"
	}
	figures.Print(os.Stdout, fmt.Sprintf("Operator benchmark (N=%d, manager flags: %s)", benchN(), flags))
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if len(summary) > 0 {
		fmt.Printf("summary (measured / floor): %s\n", strings.Join(summary, ", "))
	}
}
