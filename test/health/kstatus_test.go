package health

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestKstatusOfRealObjects computes kstatus, what Flux's `wait: true` and `healthChecks`
// (and `kubectl wait`-style tools built on cli-utils) read, on every state.
func TestKstatusOfRealObjects(t *testing.T) {
	got := reachedStates()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			st := got[s.name]
			if st.err != nil {
				t.Fatal(st.err)
			}
			res, err := status.Compute(st.obj)
			if err != nil {
				t.Fatalf("status.Compute: %v", err)
			}
			t.Logf("%s: %s %q", s.name, res.Status, res.Message)
			if res.Status != s.kstatus {
				t.Errorf("kstatus is %s (%q), want %s", res.Status, res.Message, s.kstatus)
			}
		})
	}
}

// The healthCheckExprs documented in docs/install.md for the three kinds.
const (
	celCurrent = `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True' && c.observedGeneration == metadata.generation)`
	celFailed  = `status.?conditions.orValue([]).exists(c, c.type == 'Stalled' && c.status == 'True')`
)

// fluxCELStatus evaluates healthCheckExprs the way Flux's kustomize-controller does
// (fluxcd/pkg/runtime/cel StatusEvaluator): InProgress when status.observedGeneration differs
// from metadata.generation, then the expressions in the order inProgress, failed, current,
// InProgress when none is true. The CEL environment has Flux's options. An evaluation error
// is returned: Flux then reports the object as Unknown and keeps waiting.
func fluxCELStatus(u *unstructured.Unstructured, failed, current string) (status.Status, error) {
	obs, found, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if found && obs != u.GetGeneration() {
		return status.InProgressStatus, nil
	}
	env, err := cel.NewEnv(
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(), ext.Sets(), ext.Encoders(),
	)
	if err != nil {
		return "", err
	}
	for _, e := range []struct {
		expr   string
		status status.Status
	}{{failed, status.FailedStatus}, {current, status.CurrentStatus}} {
		ast, iss := env.Parse(e.expr)
		if iss != nil && iss.Err() != nil {
			return "", iss.Err()
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
		if err != nil {
			return "", err
		}
		val, _, err := prg.ContextEval(context.Background(), u.Object)
		if err != nil {
			return "", err
		}
		b, ok := val.(types.Bool)
		if !ok {
			return "", fmt.Errorf("%s is not a boolean", e.expr)
		}
		if b {
			return e.status, nil
		}
	}
	return status.InProgressStatus, nil
}

func TestFluxHealthCheckExprsOfRealObjects(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "install.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{celCurrent, celFailed} {
		if !strings.Contains(string(doc), expr) {
			t.Errorf("docs/install.md does not show the expression %s", expr)
		}
	}
	got := reachedStates()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			st := got[s.name]
			if st.err != nil {
				t.Fatal(st.err)
			}
			res, err := fluxCELStatus(st.obj, celFailed, celCurrent)
			if s.cel == "" {
				if err == nil {
					t.Errorf("got %s, want an evaluation error (no status yet)", res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != s.cel {
				t.Errorf("healthCheckExprs give %s, want %s", res, s.cel)
			}
		})
	}
}
