package health

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

var healthLuaPath = filepath.Join("..", "..", "config", "argocd", "health.lua")

// kinds are the kinds the Argo CD customization covers.
var kinds = []string{"SailPointTenant", "MfaProviderConfig", "MfaKbaAnswers"}

// argoHealth is what Argo CD reads from the table a health script returns.
type argoHealth struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// runHealthLua runs a health script the way Argo CD does (util/lua: ExecuteHealthLua with
// useOpenLibs false): a state with only the package, base and table libraries, a 1s
// deadline, the object as the global obj (decoded like Argo CD's decodeValue: integers
// become numbers, lists become sequences), and the returned table read as {status, message}.
// Argo CD also loads a restricted os library, which the script does not use.
func runHealthLua(script string, u *unstructured.Unstructured) (argoHealth, error) {
	l, done, err := newArgoState(u, false)
	if err != nil {
		return argoHealth{}, err
	}
	defer done()
	if err := l.DoString(script); err != nil {
		return argoHealth{}, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return argoHealth{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	fields := map[string]string{}
	var bad error
	table.ForEach(func(k, v lua.LValue) {
		ks, kok := k.(lua.LString)
		vs, vok := v.(lua.LString)
		if !kok || !vok {
			bad = fmt.Errorf("returned table has a non-string entry %v = %v", k, v)
			return
		}
		fields[string(ks)] = string(vs)
	})
	if bad != nil {
		return argoHealth{}, bad
	}
	b, _ := json.Marshal(fields)
	var h argoHealth
	if err := json.Unmarshal(b, &h); err != nil {
		return argoHealth{}, err
	}
	switch h.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
	default:
		return argoHealth{}, fmt.Errorf("Lua returned an invalid health status %q", h.Status)
	}
	return h, nil
}

// newArgoState is a Lua state as Argo CD's util/lua builds one with useOpenLibs false: the
// package, base and table libraries, a 1s deadline, and the object as the global obj. With
// safeOS it also has Argo CD's "safe" os library (only time and date), which resource
// actions use; health checks do not need it.
func newArgoState(u *unstructured.Unstructured, safeOS bool) (*lua.LState, func(), error) {
	type lib struct {
		name string
		open lua.LGFunction
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	libs := []lib{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}}
	if safeOS {
		libs = append(libs, lib{lua.OsLibName, lua.OpenOs})
	}
	for _, lib := range libs {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			l.Close()
			return nil, nil, err
		}
	}
	if safeOS {
		full := l.GetGlobal("os").(*lua.LTable)
		safe := l.NewTable()
		for _, fn := range []string{"time", "date"} {
			safe.RawSetString(fn, full.RawGetString(fn))
		}
		l.SetGlobal("os", safe)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, u.Object))
	return l, func() { cancel(); l.Close() }, nil
}

// decodeValue is Argo CD's conversion of an unstructured object into Lua values.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}

func readHealthLua(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(healthLuaPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestArgoCDHealthOfRealObjects(t *testing.T) {
	script := readHealthLua(t)
	got := reachedStates()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			st := got[s.name]
			if st.err != nil {
				t.Fatal(st.err)
			}
			h, err := runHealthLua(script, st.obj)
			if err != nil {
				t.Fatalf("health.lua: %v", err)
			}
			want := argoHealth{Status: s.argo, Message: s.argoMessage(st.obj)}
			if h != want {
				t.Errorf("health.lua returned %+v, want %+v", h, want)
			}
			if !strings.Contains(h.Message, s.argoContains) {
				t.Errorf("message %q does not contain %q", h.Message, s.argoContains)
			}
			t.Logf("%s: %s %q", s.name, h.Status, h.Message)
		})
	}
}

// TestArgoCDHealthEdgeCases covers states that are too short-lived to catch on a live
// object: a spec change the operator has not seen yet, and conditions left from an older
// generation.
func TestArgoCDHealthEdgeCases(t *testing.T) {
	script := readHealthLua(t)
	cond := func(typ, status, reason, message string, gen int64) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "message": message,
			"observedGeneration": gen, "lastTransitionTime": "2026-01-01T00:00:00Z"}
	}
	object := func(gen int64, suspend bool, conds ...map[string]any) *unstructured.Unstructured {
		items := make([]any, len(conds))
		for i, c := range conds {
			items[i] = c
		}
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "mfa.identityops.dev/v1alpha1", "kind": "MfaProviderConfig",
			"metadata": map[string]any{"name": "okta", "namespace": "identity", "generation": gen},
			"spec":     map[string]any{"suspend": suspend},
		}}
		if conds != nil {
			u.Object["status"] = map[string]any{"observedGeneration": gen, "conditions": items}
		}
		return u
	}
	cases := []struct {
		name string
		obj  *unstructured.Unstructured
		want argoHealth
	}{
		{
			name: "Ready at an older generation is Progressing until the operator catches up",
			obj:  object(3, false, cond("Ready", "True", "Available", "in sync", 2)),
			want: argoHealth{progressing, "Waiting for the operator to reconcile generation 3"},
		},
		{
			name: "Stalled at an older generation is not Degraded: the user changed the spec",
			obj: object(3, false, cond("Ready", "False", "TestFailed", "Invalid access key.", 2),
				cond("Stalled", "True", "TestFailed", "Invalid access key.", 2)),
			want: argoHealth{progressing, "Waiting for the operator to reconcile generation 3"},
		},
		{
			name: "suspend wins over a Stalled condition written before it",
			obj: object(3, true, cond("Ready", "False", "TestFailed", "Invalid access key.", 2),
				cond("Stalled", "True", "TestFailed", "Invalid access key.", 2)),
			want: argoHealth{suspended, "Reconciliation is suspended (spec.suspend)"},
		},
		{
			name: "a status without a Ready condition is waiting for the operator",
			obj:  object(1, false, cond("Synced", "True", "Synced", "x", 1)),
			want: argoHealth{progressing, "Waiting for the operator"},
		},
		{
			name: "Ready False without Stalled (DriftDetected in Observe mode) is Progressing",
			obj:  object(1, false, cond("Ready", "False", "DriftDetected", "The remote configuration differs from the spec in: host", 1)),
			want: argoHealth{progressing, "The remote configuration differs from the spec in: host"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := runHealthLua(script, c.obj)
			if err != nil {
				t.Fatal(err)
			}
			if h != c.want {
				t.Errorf("got %+v, want %+v", h, c.want)
			}
		})
	}
}

// TestArgoCDConfigMapCarriesTheScript checks that the argocd-cm snippet has one key per kind,
// each exactly health.lua, and that docs/install.md shows the same script.
func TestArgoCDConfigMapCarriesTheScript(t *testing.T) {
	script := readHealthLua(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "argocd-cm-health-patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(b, cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "argocd-cm" || cm.Kind != "ConfigMap" {
		t.Errorf("the snippet is %s %s, want ConfigMap argocd-cm", cm.Kind, cm.Name)
	}
	if len(cm.Data) != len(kinds) {
		t.Errorf("the snippet has %d keys, want %d", len(cm.Data), len(kinds))
	}
	for _, kind := range kinds {
		key := "resource.customizations.health.mfa.identityops.dev_" + kind
		if cm.Data[key] != script {
			t.Errorf("%s is not identical to config/argocd/health.lua", key)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "install.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), script) {
		t.Error("docs/install.md does not contain config/argocd/health.lua verbatim")
	}
}
