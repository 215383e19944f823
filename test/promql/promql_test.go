package promql

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

var root = filepath.Join("..", "..")

// fromPrometheus are series that Prometheus itself adds for every scrape target; no
// target exposes them.
var fromPrometheus = []string{"up"}

// targetLabels are the labels Prometheus adds to a target's series (monitor.yaml).
var targetLabels = []string{"job", "instance"}

// grafanaVariables stand in for the dashboard's variables so that the expressions parse
// as Prometheus receives them.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "5m", "$__range", "6h", "$__interval", "1m", "${tenant}", ".*", "$tenant", ".*",
)

// expression is one PromQL expression and where it comes from.
type expression struct {
	where, expr string
}

func TestEveryDashboardAndAlertExpressionUsesMetricsTheManagerExposes(t *testing.T) {
	exprs := append(dashboardExpressions(t), alertExpressions(t)...)
	if len(exprs) < 10 {
		t.Fatalf("found only %d expressions", len(exprs))
	}
	exposed := scrapeRunningManager(t)

	used := map[string]bool{}
	// The parser of a Prometheus server with default features: no experimental functions.
	promql := parser.NewParser(parser.Options{})
	for _, e := range exprs {
		ast, err := promql.ParseExpr(grafanaVariables.Replace(e.expr))
		if err != nil {
			t.Errorf("%s: %q does not parse: %v", e.where, e.expr, err)
			continue
		}
		parser.Inspect(ast, func(node parser.Node, _ []parser.Node) error {
			vs, ok := node.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			used[vs.Name] = true
			checkSelector(t, e.where, vs, exposed)
			return nil
		})
	}
	for _, want := range []string{"sailpoint_mfa_resource_condition", "sailpoint_api_requests_total",
		"sailpoint_api_request_duration_seconds_bucket", "sailpoint_api_held_requests_total",
		"controller_runtime_reconcile_errors_total", "workqueue_depth"} {
		if !used[want] {
			t.Errorf("no panel or alert draws %s", want)
		}
	}
}

// checkSelector fails when vs names a metric the manager does not expose, or matches on a
// label its series do not have.
func checkSelector(t *testing.T, where string, vs *parser.VectorSelector, exposed map[string]map[string]bool) {
	t.Helper()
	if vs.Name == "" {
		t.Errorf("%s: selector %s has no metric name", where, vs)
		return
	}
	if slices.Contains(fromPrometheus, vs.Name) {
		return
	}
	labels, ok := exposed[vs.Name]
	if !ok {
		t.Errorf("%s: metric %s is not exposed by the manager", where, vs.Name)
		return
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel || slices.Contains(targetLabels, m.Name) {
			continue
		}
		if !labels[m.Name] {
			t.Errorf("%s: %s has no label %q", where, vs.Name, m.Name)
		}
	}
}

func dashboardExpressions(t *testing.T) []expression {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "grafana", "sailpoint-mfa-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	chartCopy, err := os.ReadFile(filepath.Join(root, "charts", "sailpoint-mfa-operator", "files", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, chartCopy) {
		t.Error("charts/sailpoint-mfa-operator/files/grafana-dashboard.json differs from config/grafana: run make helm-sync")
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	var out []expression
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			out = append(out, expression{where: "dashboard panel " + p.Title, expr: target.Expr})
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("dashboard variable %s: %q is not label_values(SELECTOR, LABEL)", v.Name, v.Definition)
			continue
		}
		out = append(out, expression{where: "dashboard variable " + v.Name, expr: m[1]})
	}
	return out
}

func alertExpressions(t *testing.T) []expression {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "prometheus_rule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert string `json:"alert"`
					Expr  string `json:"expr"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &rule); err != nil {
		t.Fatal(err)
	}
	var out []expression
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			out = append(out, expression{where: "alert " + r.Alert, expr: r.Expr})
		}
	}
	return out
}

// scrapeRunningManager runs the real manager binary on envtest against the SailPoint
// emulator, with a tenant, an MfaProviderConfig and an MfaKbaAnswers to reconcile, and
// returns the metric names of its metrics endpoint with their label names, once every
// family the objects produce has series.
func scrapeRunningManager(t *testing.T) map[string]map[string]bool {
	t.Helper()
	dir := t.TempDir()
	manager := filepath.Join(dir, "manager")
	build := exec.Command("go", "build", "-o", manager, "./cmd/manager")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/manager: %v\n%s", err, out)
	}

	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: binaryAssets(),
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("envtest (set KUBEBUILDER_ASSETS): %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	user, err := env.AddUser(envtest.User{Name: "manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}

	// v3 marked deprecated, so that the deprecation counter has series.
	deprecated := emulator.Faults{APIVersionFaults: emulator.APIVersionFaults{DeprecatedV3: true}}
	sailpoint := emulator.New(emulator.Config{})
	sailpoint.SetFaults(deprecated)
	emu := httptest.NewServer(sailpoint.Handler())
	t.Cleanup(emu.Close)
	createObjects(t, k8s, emu.URL)

	addr := freeAddress(t)
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	run := exec.CommandContext(ctx, manager, "--metrics-bind-address", addr, "--metrics-secure=false",
		"--health-probe-bind-address", "0")
	run.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath)
	run.Stdout, run.Stderr = &logs, &logs
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = run.Wait()
	})

	// The families that exist only once something happened: a SailPoint call, a status.
	driven := []string{"sailpoint_api_requests_total", "sailpoint_api_request_duration_seconds",
		"sailpoint_mfa_resource_condition", "controller_runtime_reconcile_total", "workqueue_depth",
		"sailpoint_api_deprecated_responses_total"}
	var families map[string]*dto.MetricFamily
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		families, err = scrape(ctx, "http://"+addr+"/metrics")
		if err != nil {
			return false, nil
		}
		for _, name := range driven {
			if f, ok := families[name]; !ok || len(f.GetMetric()) == 0 {
				return false, nil
			}
		}
		// Every kind has reported its Ready condition.
		kinds := map[string]bool{}
		for _, m := range families["sailpoint_mfa_resource_condition"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					kinds[l.GetValue()] = true
				}
			}
		}
		return len(kinds) == 3, nil
	})
	if err != nil {
		t.Fatalf("the manager's metrics never had series for %v: %v\nmanager log:\n%s", driven, err, tail(logs.String(), 4000))
	}
	families = provokeHeldRequest(t, ctx, k8s, sailpoint, deprecated, "http://"+addr+"/metrics")

	exposed := map[string]map[string]bool{}
	for name, f := range families {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			bucket := map[string]bool{"le": true}
			for l := range labels {
				bucket[l] = true
			}
			exposed[name+"_bucket"], exposed[name+"_sum"], exposed[name+"_count"] = bucket, labels, labels
		case dto.MetricType_SUMMARY:
			exposed[name+"_sum"], exposed[name+"_count"] = labels, labels
			exposed[name] = labels
		default:
			exposed[name] = labels
		}
	}
	return exposed
}

// provokeHeldRequest makes the tenant's client hold its requests: one reconcile gets a 429
// with a long Retry-After, and the next object's call is refused locally. It returns the
// scrape that shows the held call.
func provokeHeldRequest(t *testing.T, ctx context.Context, k8s client.Client, emu *emulator.Emulator, base emulator.Faults, url string) map[string]*dto.MetricFamily {
	t.Helper()
	limited := base
	limited.RateLimit, limited.RetryAfter = 1, 30*time.Second
	emu.SetFaults(limited)
	request := func(obj client.Object) {
		patch := []byte(`{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"` + time.Now().Format(time.RFC3339Nano) + `"}}}`)
		if err := k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
			t.Fatal(err)
		}
	}
	request(&mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: "promql"}})
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		for _, r := range emu.Requests() {
			if r.Status == http.StatusTooManyRequests {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no 429 reached the manager: %v", err)
	}
	request(&mfav1.MfaKbaAnswers{ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: "promql"}})
	var families map[string]*dto.MetricFamily
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		families, err = scrape(ctx, url)
		if err != nil {
			return false, nil
		}
		f, ok := families["sailpoint_api_held_requests_total"]
		return ok && len(f.GetMetric()) > 0, nil
	})
	if err != nil {
		t.Fatalf("no held request was counted: %v", err)
	}
	return families
}

func createObjects(t *testing.T, k8s client.Client, baseURL string) {
	t.Helper()
	ctx := context.Background()
	ns := "promql"
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "acme-pat", Namespace: ns}, StringData: map[string]string{
			"clientId": emulator.DefaultAdminClientID, "clientSecret": emulator.DefaultAdminClientSecret}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "okta-mfa", Namespace: ns}, StringData: map[string]string{"accessKey": "okta-demo-access-key-0001"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kba", Namespace: ns}, StringData: map[string]string{"q1": "Springfield"}},
		&mfav1.SailPointTenant{ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns}, Spec: mfav1.SailPointTenantSpec{
			BaseURL: baseURL, CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
			ConfigurationAPI: mfav1.ConfigurationAPIV3}},
		&mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "okta", Namespace: ns}, Spec: mfav1.MfaProviderConfigSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"}, Method: mfav1.MfaMethodOktaVerify, Host: "acme.okta.com",
			IdentityAttribute: "email", AccessKeySecretRef: mfav1.SecretKeySelector{Name: "okta-mfa", Key: "accessKey"}}},
		&mfav1.MfaKbaAnswers{ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: ns}, Spec: mfav1.MfaKbaAnswersSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"},
			Answers:   []mfav1.KbaAnswer{{QuestionID: "173421", AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "q1"}}}}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
}

func scrape(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func binaryAssets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(root, "bin", "k8s")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
