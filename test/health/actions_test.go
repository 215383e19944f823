package health

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

var actionsDir = filepath.Join("..", "..", "config", "argocd", "actions")

// actionsOf are the actions each kind defines in argocd-cm.
var actionsOf = map[string][]string{
	"SailPointTenant":   {"reconcile"},
	"MfaProviderConfig": {"reconcile", "suspend", "resume"},
	"MfaKbaAnswers":     {"reconcile", "suspend", "resume"},
}

func readScript(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{actionsDir}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runActionScript runs an actions script the way Argo CD's util/lua does for resource
// actions: the libraries of a health check plus its "safe" os library, which has only time
// and date. It returns what the script returned, as JSON-like Go values.
func runActionScript(script string, u *unstructured.Unstructured) (any, error) {
	l, done, err := newArgoState(u, true)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	return encodeValue(l.Get(-1)), nil
}

// argoAction is what Argo CD reads from one entry of the table discovery.lua returns.
type argoAction struct {
	Disabled bool `json:"disabled"`
}

// runDiscovery runs discovery.lua and returns the actions it offers.
func runDiscovery(script string, u *unstructured.Unstructured) (map[string]argoAction, error) {
	v, err := runActionScript(script, u)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]argoAction{}
	return out, json.Unmarshal(b, &out)
}

// runAction runs an action.lua and returns the object it returns, as Argo CD does before
// patching the live object with the difference.
func runAction(script string, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	v, err := runActionScript(script, u)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("action returned %T, not an object", v)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// encodeValue converts a Lua value back to JSON-like Go values (Argo CD uses luajson): a
// table with a sequence part is a list, any other table an object.
func encodeValue(v lua.LValue) any {
	switch v := v.(type) {
	case lua.LBool:
		return bool(v)
	case lua.LNumber:
		if f := float64(v); f == float64(int64(f)) {
			return int64(f)
		}
		return float64(v)
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if v.MaxN() > 0 {
			list := make([]any, 0, v.MaxN())
			for i := 1; i <= v.MaxN(); i++ {
				list = append(list, encodeValue(v.RawGetInt(i)))
			}
			return list
		}
		m := map[string]any{}
		v.ForEach(func(k, item lua.LValue) { m[k.String()] = encodeValue(item) })
		return m
	}
	return nil
}

// runAndPatch runs action name on the live object and patches the live object with the
// merge patch between the two, as Argo CD applies an action that returns the object.
func runAndPatch(t *testing.T, ctx context.Context, obj client.Object, name string) *unstructured.Unstructured {
	t.Helper()
	live, err := getUnstructured(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	offered, err := runDiscovery(readScript(t, "discovery.lua"), live)
	if err != nil {
		t.Fatalf("discovery.lua: %v", err)
	}
	if a, ok := offered[name]; !ok || a.Disabled {
		t.Fatalf("action %s is not offered on %s: %+v", name, live.GetName(), offered)
	}
	changed, err := runAction(readScript(t, name, "action.lua"), live)
	if err != nil {
		t.Fatalf("%s/action.lua: %v", name, err)
	}
	before, _ := json.Marshal(live.Object)
	after, _ := json.Marshal(changed.Object)
	patch, err := jsonpatch.CreateMergePatch(before, after)
	if err != nil {
		t.Fatal(err)
	}
	if err := k8s.Patch(ctx, live, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("patching with the result of %s: %v (patch %s)", name, err, patch)
	}
	return live
}

// waitFor reads obj until cond holds, at most 30s.
func waitFor(t *testing.T, ctx context.Context, obj client.Object, what string, cond func(u *unstructured.Unstructured) bool) *unstructured.Unstructured {
	t.Helper()
	var last *unstructured.Unstructured
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := getUnstructured(ctx, obj)
		if err != nil {
			return false, nil
		}
		last = u
		return cond(u), nil
	})
	if err != nil {
		conds, _, _ := unstructured.NestedSlice(last.Object, "status", "conditions")
		t.Fatalf("%s: not within 30s; conditions %v", what, conds)
	}
	return last
}

func readyWith(status, reason string) func(u *unstructured.Unstructured) bool {
	return func(u *unstructured.Unstructured) bool {
		c := conditionOf(u, mfav1.TypeReady)
		return c != nil && string(c.Status) == status && c.Reason == reason && c.ObservedGeneration == u.GetGeneration()
	}
}

func echoed(requestedAt string) func(u *unstructured.Unstructured) bool {
	return func(u *unstructured.Unstructured) bool {
		v, _, _ := unstructured.NestedString(u.Object, "status", "lastHandledReconcileAt")
		return v == requestedAt
	}
}

func offeredNames(t *testing.T, u *unstructured.Unstructured) (enabled []string, disabled []string) {
	t.Helper()
	offered, err := runDiscovery(readScript(t, "discovery.lua"), u)
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range offered {
		if a.Disabled {
			disabled = append(disabled, name)
		} else {
			enabled = append(enabled, name)
		}
	}
	slices.Sort(enabled)
	slices.Sort(disabled)
	return enabled, disabled
}

// reconcileAction runs reconcile on obj and waits for the operator to echo it.
func reconcileAction(t *testing.T, ctx context.Context, obj client.Object) {
	t.Helper()
	patched := runAndPatch(t, ctx, obj, "reconcile")
	requestedAt := patched.GetAnnotations()[mfav1.ReconcileRequestedAtAnnotation]
	if _, err := time.Parse(time.RFC3339, requestedAt); err != nil {
		t.Fatalf("reconcile wrote requestedAt %q, not an RFC 3339 time: %v", requestedAt, err)
	}
	waitFor(t, ctx, obj, "lastHandledReconcileAt echoing "+requestedAt, echoed(requestedAt))
}

func TestArgoCDActionsOnATenantOfferReconcileOnly(t *testing.T) {
	ctx := context.Background()
	w, err := newWorld(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := tenantWith(emulator.DefaultAdminClientSecret, true)(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	u := waitFor(t, ctx, obj, "tenant Ready", readyWith("True", mfav1.ReasonAuthenticated))
	enabled, disabled := offeredNames(t, u)
	if !slices.Equal(enabled, []string{"reconcile"}) || len(disabled) != 0 {
		t.Errorf("a tenant offers %v (disabled %v), want reconcile only", enabled, disabled)
	}
	reconcileAction(t, ctx, obj)
}

func TestArgoCDActionsSuspendResumeAndReconcileAManagedObject(t *testing.T) {
	setups := map[string]func(context.Context, *world) (client.Object, error){
		"MfaProviderConfig": okta("okta-demo-access-key-0001", nil),
		"MfaKbaAnswers":     kba(goodAnswers, nil),
	}
	for kind, setup := range setups {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w, err := newWorld(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := setup(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			u := waitFor(t, ctx, obj, "Ready", readyWith("True", mfav1.ReasonAvailable))
			enabled, disabled := offeredNames(t, u)
			if !slices.Equal(enabled, []string{"reconcile", "suspend"}) || !slices.Equal(disabled, []string{"resume"}) {
				t.Errorf("a running %s offers %v and disables %v, want reconcile and suspend, resume disabled", kind, enabled, disabled)
			}

			reconcileAction(t, ctx, obj)

			runAndPatch(t, ctx, obj, "suspend")
			u = waitFor(t, ctx, obj, "Ready reason Suspended", readyWith("Unknown", mfav1.ReasonSuspended))
			if h, err := runHealthLua(readHealthLua(t), u); err != nil || h.Status != suspended {
				t.Errorf("health of the suspended object: %+v, %v; want Suspended", h, err)
			}
			enabled, disabled = offeredNames(t, u)
			if !slices.Equal(enabled, []string{"reconcile", "resume"}) || !slices.Equal(disabled, []string{"suspend"}) {
				t.Errorf("a suspended %s offers %v and disables %v, want reconcile and resume, suspend disabled", kind, enabled, disabled)
			}

			patched := runAndPatch(t, ctx, obj, "resume")
			requestedAt := patched.GetAnnotations()[mfav1.ReconcileRequestedAtAnnotation]
			u = waitFor(t, ctx, obj, "Ready again after resume", func(u *unstructured.Unstructured) bool {
				return readyWith("True", mfav1.ReasonAvailable)(u) && echoed(requestedAt)(u)
			})
			if s, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); s {
				t.Error("spec.suspend is still true after resume")
			}
		})
	}
}

// TestArgoCDActionsConfigMapCarriesTheScripts checks the argocd-cm snippet: one key per
// kind, each with discovery.lua and exactly the action scripts of that kind.
func TestArgoCDActionsConfigMapCarriesTheScripts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "argocd-cm-actions-patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(b, cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "argocd-cm" || cm.Kind != "ConfigMap" || len(cm.Data) != len(actionsOf) {
		t.Errorf("the snippet is %s %s with %d keys, want ConfigMap argocd-cm with %d", cm.Kind, cm.Name, len(cm.Data), len(actionsOf))
	}
	// The shape of Argo CD's ResourceActions (util/settings: resource.customizations.actions.<group_kind>).
	type definition struct {
		Name      string `json:"name"`
		ActionLua string `json:"action.lua"`
	}
	type resourceActions struct {
		DiscoveryLua string       `json:"discovery.lua"`
		Definitions  []definition `json:"definitions"`
	}
	for kind, names := range actionsOf {
		key := "resource.customizations.actions.mfa.identityops.dev_" + kind
		var ra resourceActions
		if err := yaml.UnmarshalStrict([]byte(cm.Data[key]), &ra); err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if ra.DiscoveryLua != readScript(t, "discovery.lua") {
			t.Errorf("%s: discovery.lua differs from config/argocd/actions/discovery.lua", key)
		}
		var got []string
		for _, d := range ra.Definitions {
			got = append(got, d.Name)
			if d.ActionLua != readScript(t, d.Name, "action.lua") {
				t.Errorf("%s: %s differs from config/argocd/actions/%s/action.lua", key, d.Name, d.Name)
			}
		}
		if !slices.Equal(got, names) {
			t.Errorf("%s defines %v, want %v", key, got, names)
		}
	}
}
