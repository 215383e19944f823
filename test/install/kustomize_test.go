/*
Copyright 2026 The sailpoint-mfa-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package install_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// installNamespace is the namespace config/default installs into.
const installNamespace = "sailpoint-mfa-operator-system"

var _ = Describe("dist/install.yaml", Ordered, func() {
	var objs []*unstructured.Unstructured

	BeforeAll(func() {
		objs = mustDecodeFile(installYAML)
	})

	It("is accepted by the API server object by object, without a warning", func() {
		Expect(objs[0].GetKind()).To(Equal("Namespace"), "the namespace comes first, so that kubectl apply can create the rest in it")
		applyAll(objs)
	})

	It("holds the namespace, the three CRDs, the RBAC and one manager Deployment", func() {
		Expect(kinds(objs)).To(Equal(map[string]int{
			"Namespace":                1,
			"CustomResourceDefinition": 3,
			"ServiceAccount":           1,
			"Role":                     1,
			"RoleBinding":              1,
			// manager, metrics auth, metrics reader, and admin/editor/viewer for each kind
			"ClusterRole":         12,
			"ClusterRoleBinding":  2,
			"Deployment":          1,
			"PodDisruptionBudget": 1,
			"Service":             1,
		}))
		for _, u := range objs {
			if namespaced, _ := k8sClient.IsObjectNamespaced(u); namespaced {
				Expect(u.GetNamespace()).To(Equal(installNamespace), describe(u))
			}
		}
	})

	It("enforces the restricted Pod Security Standard in its namespace", func() {
		ns := named(objs, "Namespace", installNamespace)
		Expect(ns.GetLabels()).To(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "restricted"))
	})

	It("runs a production-ready manager from the released image", func() {
		d := convert[appsv1.Deployment](named(objs, "Deployment", "controller-manager"))
		expectProductionReadyManager(d)
		Expect(d.Spec.Template.Spec.Containers[0].Image).To(HavePrefix("ghcr.io/identityops/sailpoint-mfa-operator:"))
	})

	It("can run a second replica: leader election, a PodDisruptionBudget and anti-affinity over the same pods", func() {
		d := convert[appsv1.Deployment](named(objs, "Deployment", "controller-manager"))
		expectStandbyReady(d, convert[policyv1.PodDisruptionBudget](named(objs, "PodDisruptionBudget", "controller-manager")))
	})

	It("grants the manager exactly the rules controller-gen generated into config/rbac/role.yaml", func() {
		role := named(objs, "ClusterRole", "-manager-role")
		Expect(role.Object["rules"]).To(Equal(rulesOf(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))))
		binding := named(objs, "ClusterRoleBinding", "-manager-rolebinding")
		Expect(binding.Object["roleRef"]).To(HaveKeyWithValue("name", role.GetName()))
		Expect(binding.Object["subjects"]).To(ConsistOf(And(
			HaveKeyWithValue("name", named(objs, "ServiceAccount", "controller-manager").GetName()),
			HaveKeyWithValue("namespace", installNamespace),
		)))
	})

	It("serves the metrics through a Service on 8443 that selects the manager's pods", func() {
		svc := convert[corev1.Service](named(objs, "Service", "metrics-service"))
		Expect(svc.Spec.Ports).To(ConsistOf(And(
			HaveField("Name", "https"), HaveField("Port", int32(8443)), HaveField("TargetPort", intstr.FromInt32(8443)))))
		d := convert[appsv1.Deployment](named(objs, "Deployment", "controller-manager"))
		for k, v := range svc.Spec.Selector {
			Expect(d.Spec.Template.Labels).To(HaveKeyWithValue(k, v))
		}
	})
})

var _ = Describe("config/prometheus", Ordered, func() {
	var objs []*unstructured.Unstructured

	BeforeAll(func() {
		// What a user does to enable it: uncomment ../prometheus in config/default.
		dir := GinkgoT().TempDir()
		Expect(os.CopyFS(dir, os.DirFS(filepath.Join(repoRoot, "config")))).To(Succeed())
		path := filepath.Join(dir, "default", "kustomization.yaml")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring("\n#- ../prometheus\n"))
		Expect(os.WriteFile(path, []byte(strings.Replace(string(data), "\n#- ../prometheus\n", "\n- ../prometheus\n", 1)), 0o644)).To(Succeed())
		out, err := run(kustomizeBin, "build", filepath.Join(dir, "default"))
		Expect(err).NotTo(HaveOccurred())
		objs, err = decodeObjects(out)
		Expect(err).NotTo(HaveOccurred())
	})

	It("adds a ServiceMonitor and a PrometheusRule that the prometheus-operator CRDs accept", func() {
		Expect(ofKind(objs, "ServiceMonitor")).To(HaveLen(1))
		Expect(ofKind(objs, "PrometheusRule")).To(HaveLen(1))
		applyAll(objs)
	})

	It("scrapes the metrics Service over HTTPS with the Prometheus ServiceAccount's token", func() {
		monitor := named(objs, "ServiceMonitor", "metrics-monitor")
		expectSelects(monitor, named(objs, "Service", "metrics-service"))
		endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
		Expect(endpoints[0]).To(And(HaveKeyWithValue("scheme", "https"), HaveKey("bearerTokenFile")))
	})

	It("alerts on resources not Ready or Stalled, on SailPoint's 429 and 5xx answers, latency and deprecation, and on a missing manager", func() {
		var alerts []string
		var text strings.Builder
		for _, g := range ruleGroups(named(objs, "PrometheusRule", "alerts")) {
			rules := g.(map[string]interface{})["rules"].([]interface{})
			for _, r := range rules {
				rule := r.(map[string]interface{})
				alerts = append(alerts, rule["alert"].(string))
				Expect(rule).To(HaveKey("for"), rule["alert"])
				Expect(rule["labels"]).To(HaveKey("severity"), rule["alert"])
				Expect(rule["annotations"]).To(And(HaveKey("summary"), HaveKey("description")), rule["alert"])
				text.WriteString(rule["expr"].(string))
			}
		}
		Expect(alerts).To(ConsistOf("SailPointMfaResourceNotReady", "SailPointMfaResourceStalled",
			"SailPointAPIRateLimited", "SailPointAPIServerErrors", "SailPointAPISlow", "SailPointAPIDeprecated", "SailPointMfaOperatorDown"))
		Expect(text.String()).To(And(
			ContainSubstring(`sailpoint_mfa_resource_condition{job="sailpoint-mfa-operator",condition="Ready",status="False"}`),
			ContainSubstring(`sailpoint_mfa_resource_condition{job="sailpoint-mfa-operator",condition="Stalled",status="True"}`),
			ContainSubstring(`sailpoint_api_requests_total{job="sailpoint-mfa-operator",code="429"}`),
			ContainSubstring(`code=~"5..|error"`),
			ContainSubstring(`sailpoint_api_request_duration_seconds_bucket`),
			ContainSubstring(`sailpoint_api_deprecated_responses_total{job="sailpoint-mfa-operator"}`),
		))
	})
})
