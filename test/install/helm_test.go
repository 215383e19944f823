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
)

// Values that turn every option of the chart on.
var scopedWithMonitoring = []string{
	"--set", "watchNamespaces={team-a,team-b}",
	"--set", "metrics.serviceMonitor.enabled=true",
	"--set", "metrics.prometheusRule.enabled=true",
}

var _ = Describe("The Helm chart", func() {
	It("passes helm lint --strict with its default values and with every option on", func() {
		_, err := run(helmBin, "lint", "--strict", chartDir)
		Expect(err).NotTo(HaveOccurred())
		_, err = run(helmBin, append([]string{"lint", "--strict", chartDir}, scopedWithMonitoring...)...)
		Expect(err).NotTo(HaveOccurred())
	})

	It("holds verbatim copies of the generated CRDs, manager rules and alerts (make helm-sync)", func() {
		same := func(generated, copied string) {
			GinkgoHelper()
			want, err := os.ReadFile(filepath.Join(repoRoot, generated))
			Expect(err).NotTo(HaveOccurred())
			got, err := os.ReadFile(filepath.Join(chartDir, copied))
			Expect(err).NotTo(HaveOccurred(), "run make helm-sync")
			Expect(string(got)).To(Equal(string(want)), "%s is stale: run make helm-sync", copied)
		}
		bases, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		copies, err := filepath.Glob(filepath.Join(chartDir, "files", "crds", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(copies).To(HaveLen(len(bases)), "files/crds has one file per CRD: run make helm-sync")
		for _, base := range bases {
			same(filepath.Join("config", "crd", "bases", filepath.Base(base)), filepath.Join("files", "crds", filepath.Base(base)))
		}
		same(filepath.Join("config", "rbac", "role.yaml"), filepath.Join("files", "manager-role.yaml"))
		same(filepath.Join("config", "prometheus", "prometheus_rule.yaml"), filepath.Join("files", "prometheus-rule.yaml"))
		same(filepath.Join("config", "grafana", "sailpoint-mfa-operator.json"), filepath.Join("files", "grafana-dashboard.json"))
	})

	Context("with its default values", Ordered, func() {
		const namespace = "helm-defaults"
		var objs []*unstructured.Unstructured

		BeforeAll(func() {
			var err error
			objs, err = helmTemplate(namespace)
			Expect(err).NotTo(HaveOccurred())
			createNamespace(namespace)
		})

		It("renders objects the API server accepts without a warning", func() {
			applyAll(objs)
		})

		It("renders the CRDs, RBAC, manager and metrics Service, and no monitoring objects", func() {
			Expect(kinds(objs)).To(Equal(map[string]int{
				"CustomResourceDefinition": 3,
				"ServiceAccount":           1,
				"Role":                     1,
				"RoleBinding":              1,
				"ClusterRole":              12,
				"ClusterRoleBinding":       2,
				"Deployment":               1,
				"Service":                  1,
			}))
			for _, u := range objs {
				if namespaced, _ := k8sClient.IsObjectNamespaced(u); namespaced {
					Expect(u.GetNamespace()).To(Equal(namespace), describe(u))
				}
			}
		})

		It("installs the generated CRDs and keeps them on uninstall", func() {
			generated := map[string]*unstructured.Unstructured{}
			for _, crd := range mustDecodeFile(filepath.Join(repoRoot, "config", "crd", "bases", "mfa.identityops.dev_sailpointtenants.yaml")) {
				generated[crd.GetName()] = crd
			}
			for _, kind := range []string{"mfaproviderconfigs", "mfakbaanswers"} {
				for _, crd := range mustDecodeFile(filepath.Join(repoRoot, "config", "crd", "bases", "mfa.identityops.dev_"+kind+".yaml")) {
					generated[crd.GetName()] = crd
				}
			}
			rendered := ofKind(objs, "CustomResourceDefinition")
			Expect(rendered).To(HaveLen(len(generated)))
			for _, crd := range rendered {
				Expect(generated).To(HaveKey(crd.GetName()))
				Expect(crd.Object["spec"]).To(Equal(generated[crd.GetName()].Object["spec"]), crd.GetName())
				Expect(crd.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
			}
		})

		It("runs a production-ready manager from the image of the chart's appVersion", func() {
			d := convert[appsv1.Deployment](named(objs, "Deployment", "sailpoint-mfa-operator"))
			expectProductionReadyManager(d)
			Expect(d.Spec.Template.Spec.Containers[0].Image).To(MatchRegexp(`^ghcr\.io/identityops/sailpoint-mfa-operator:v\d+\.\d+\.\d+`))
			Expect(d.Spec.Template.Spec.Containers[0].Args).To(ContainElements("--max-concurrent-reconciles=64", "--zap-log-level=info"))
			Expect(d.Spec.Template.Spec.Containers[0].Args).NotTo(ContainElement(HavePrefix("--watch-namespace")))
		})

		It("grants the manager the rules of config/rbac/role.yaml in every namespace", func() {
			role := named(objs, "ClusterRole", "-manager")
			Expect(role.Object["rules"]).To(Equal(rulesOf(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))))
			binding := named(objs, "ClusterRoleBinding", "-manager")
			Expect(binding.Object["roleRef"]).To(HaveKeyWithValue("name", role.GetName()))
			Expect(binding.Object["subjects"]).To(ConsistOf(And(
				HaveKeyWithValue("name", ofKind(objs, "ServiceAccount")[0].GetName()),
				HaveKeyWithValue("namespace", namespace),
			)))
		})

		It("serves the metrics over HTTPS behind authn/authz, through a Service on 8443", func() {
			svc := convert[corev1.Service](named(objs, "Service", "-metrics"))
			Expect(svc.Spec.Ports).To(ConsistOf(And(HaveField("Name", "https"), HaveField("Port", int32(8443)))))
			Expect(ofKind(objs, "ClusterRole")).To(ContainElement(WithTransform(
				func(u *unstructured.Unstructured) string { return u.GetName() }, HaveSuffix("-metrics-auth"))))
		})
	})

	Context("limited to watchNamespaces, with a ServiceMonitor and a PrometheusRule", Ordered, func() {
		const namespace = "helm-scoped"
		var objs []*unstructured.Unstructured

		BeforeAll(func() {
			var err error
			objs, err = helmTemplate(namespace, scopedWithMonitoring...)
			Expect(err).NotTo(HaveOccurred())
			for _, ns := range []string{namespace, "team-a", "team-b"} {
				createNamespace(ns)
			}
		})

		It("renders objects the API server and the prometheus-operator CRDs accept without a warning", func() {
			Expect(ofKind(objs, "ServiceMonitor")).To(HaveLen(1))
			Expect(ofKind(objs, "PrometheusRule")).To(HaveLen(1))
			applyAll(objs)
		})

		It("grants the manager the rules of config/rbac/role.yaml in those namespaces only", func() {
			Expect(ofKind(objs, "ClusterRole")).NotTo(ContainElement(WithTransform(
				func(u *unstructured.Unstructured) string { return u.GetName() }, HaveSuffix("-manager"))))
			Expect(ofKind(objs, "ClusterRoleBinding")).NotTo(ContainElement(WithTransform(
				func(u *unstructured.Unstructured) string { return u.GetName() }, HaveSuffix("-manager"))))
			rules := rulesOf(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))
			var roleNamespaces, bindingNamespaces []string
			for _, role := range ofKind(objs, "Role") {
				if role.GetNamespace() == namespace {
					continue // leader election
				}
				roleNamespaces = append(roleNamespaces, role.GetNamespace())
				Expect(role.Object["rules"]).To(Equal(rules))
			}
			for _, binding := range ofKind(objs, "RoleBinding") {
				if binding.GetNamespace() == namespace {
					continue
				}
				bindingNamespaces = append(bindingNamespaces, binding.GetNamespace())
				Expect(binding.Object["subjects"]).To(ConsistOf(HaveKeyWithValue("namespace", namespace)))
			}
			Expect(roleNamespaces).To(ConsistOf("team-a", "team-b"))
			Expect(bindingNamespaces).To(ConsistOf("team-a", "team-b"))
		})

		It("tells the manager to watch those namespaces", func() {
			d := convert[appsv1.Deployment](named(objs, "Deployment", "sailpoint-mfa-operator"))
			expectProductionReadyManager(d)
			Expect(d.Spec.Template.Spec.Containers[0].Args).To(ContainElements("--watch-namespace=team-a", "--watch-namespace=team-b"))
		})

		It("scrapes the metrics Service, and alerts with the rules of config/prometheus", func() {
			expectSelects(ofKind(objs, "ServiceMonitor")[0], named(objs, "Service", "-metrics"))
			generated := mustDecodeFile(filepath.Join(repoRoot, "config", "prometheus", "prometheus_rule.yaml"))
			Expect(ruleGroups(ofKind(objs, "PrometheusRule")[0])).To(Equal(ruleGroups(generated[0])))
		})
	})

	Context("with other values", func() {
		It("serves plain HTTP metrics without the authn/authz roles when metrics.secure is false", func() {
			const namespace = "helm-insecure"
			objs, err := helmTemplate(namespace, "--set", "metrics.secure=false", "--set", "metrics.port=8080",
				"--set", "metrics.serviceMonitor.enabled=true")
			Expect(err).NotTo(HaveOccurred())
			createNamespace(namespace)
			applyAll(objs)

			d := convert[appsv1.Deployment](named(objs, "Deployment", "sailpoint-mfa-operator"))
			Expect(d.Spec.Template.Spec.Containers[0].Args).To(ContainElements("--metrics-bind-address=:8080", "--metrics-secure=false"))
			svc := convert[corev1.Service](named(objs, "Service", "-metrics"))
			Expect(svc.Spec.Ports).To(ConsistOf(And(HaveField("Name", "http"), HaveField("Port", int32(8080)))))
			Expect(ofKind(objs, "ClusterRole")).NotTo(ContainElement(WithTransform(
				func(u *unstructured.Unstructured) string { return u.GetName() }, HaveSuffix("-metrics-auth"))))
			monitor := ofKind(objs, "ServiceMonitor")[0]
			expectSelects(monitor, named(objs, "Service", "-metrics"))
			endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
			Expect(endpoints[0]).To(And(HaveKeyWithValue("scheme", "http"), Not(HaveKey("bearerTokenFile"))))
		})

		It("renders the Grafana dashboard in a ConfigMap for the Grafana sidecar when metrics.grafanaDashboard.enabled", func() {
			const namespace = "helm-grafana"
			objs, err := helmTemplate(namespace, "--set", "metrics.grafanaDashboard.enabled=true",
				"--set", "metrics.grafanaDashboard.annotations.grafana_folder=SailPoint")
			Expect(err).NotTo(HaveOccurred())
			createNamespace(namespace)
			applyAll(objs)

			maps := ofKind(objs, "ConfigMap")
			Expect(maps).To(HaveLen(1))
			cm := convert[corev1.ConfigMap](maps[0])
			Expect(cm.Namespace).To(Equal(namespace))
			Expect(cm.Labels).To(HaveKeyWithValue("grafana_dashboard", "1"))
			Expect(cm.Annotations).To(HaveKeyWithValue("grafana_folder", "SailPoint"))
			dashboard, err := os.ReadFile(filepath.Join(repoRoot, "config", "grafana", "sailpoint-mfa-operator.json"))
			Expect(err).NotTo(HaveOccurred())
			Expect(cm.Data).To(HaveKeyWithValue("sailpoint-mfa-operator.json", strings.TrimSuffix(string(dashboard), "\n")))
		})

		It("leaves the CRDs out when crds.enabled is false", func() {
			objs, err := helmTemplate("helm-no-crds", "--set", "crds.enabled=false")
			Expect(err).NotTo(HaveOccurred())
			Expect(ofKind(objs, "CustomResourceDefinition")).To(BeEmpty())
		})

		It("passes image, scheduling, log level and extra arguments through to the Deployment", func() {
			objs, err := helmTemplate("helm-values",
				"--set", "image.repository=registry.example.com/mfa", "--set", "image.tag=v9.9.9",
				"--set", "imagePullSecrets[0].name=regcred", "--set", "replicaCount=2",
				"--set", "nodeSelector.kubernetes\\.io/os=linux", "--set", "logLevel=debug",
				"--set", "maxConcurrentReconciles=8", "--set", "extraArgs={--zap-encoder=console}")
			Expect(err).NotTo(HaveOccurred())
			d := convert[appsv1.Deployment](named(objs, "Deployment", "sailpoint-mfa-operator"))
			pod := d.Spec.Template.Spec
			Expect(pod.Containers[0].Image).To(Equal("registry.example.com/mfa:v9.9.9"))
			Expect(pod.ImagePullSecrets).To(ConsistOf(corev1.LocalObjectReference{Name: "regcred"}))
			Expect(d.Spec.Replicas).To(HaveValue(BeEquivalentTo(2)))
			Expect(pod.NodeSelector).To(Equal(map[string]string{"kubernetes.io/os": "linux"}))
			Expect(pod.Containers[0].Args).To(ContainElements("--zap-log-level=debug", "--max-concurrent-reconciles=8", "--zap-encoder=console"))
		})

		It("runs two replicas with a PodDisruptionBudget and anti-affinity, one replica with neither", func() {
			const namespace = "helm-ha"
			createNamespace(namespace)
			defaults, err := helmTemplate(namespace)
			Expect(err).NotTo(HaveOccurred())
			Expect(ofKind(defaults, "PodDisruptionBudget")).To(BeEmpty())
			single := convert[appsv1.Deployment](named(defaults, "Deployment", "sailpoint-mfa-operator"))
			Expect(single.Spec.Template.Spec.Affinity).To(BeNil())

			ha, err := helmTemplate(namespace, "--set", "replicaCount=2")
			Expect(err).NotTo(HaveOccurred())
			applyAll(ha)
			d := convert[appsv1.Deployment](named(ha, "Deployment", "sailpoint-mfa-operator"))
			Expect(d.Spec.Replicas).To(HaveValue(BeEquivalentTo(2)))
			expectStandbyReady(d, convert[policyv1.PodDisruptionBudget](named(ha, "PodDisruptionBudget", "sailpoint-mfa-operator")))

			own, err := helmTemplate(namespace, "--set", "replicaCount=2", "--set", "nodeSelector.disk=ssd",
				"--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=zone",
				"--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists")
			Expect(err).NotTo(HaveOccurred())
			Expect(convert[appsv1.Deployment](named(own, "Deployment", "sailpoint-mfa-operator")).Spec.Template.Spec.Affinity.PodAntiAffinity).
				To(BeNil(), "an affinity of the user's replaces the default anti-affinity")
		})

		It("deploys one Deployment per shard and the default one, each with its own selector and pods", func() {
			const namespace = "helm-shards"
			createNamespace(namespace)
			sharded, err := helmTemplate(namespace, "--set", "shards={shard1,shard2}", "--set", "replicaCount=2")
			Expect(err).NotTo(HaveOccurred())
			applyAll(sharded)
			want := map[string]string{
				"sailpoint-mfa-operator":        "--watch-label-selector=!sharding.fluxcd.io/key",
				"sailpoint-mfa-operator-shard1": "--watch-label-selector=sharding.fluxcd.io/key=shard1",
				"sailpoint-mfa-operator-shard2": "--watch-label-selector=sharding.fluxcd.io/key=shard2",
			}
			deployments := ofKind(sharded, "Deployment")
			Expect(deployments).To(HaveLen(len(want)))
			Expect(ofKind(sharded, "PodDisruptionBudget")).To(HaveLen(len(want)))
			var selectors []map[string]string
			for _, u := range deployments {
				d := convert[appsv1.Deployment](u)
				name := d.Name
				Expect(want).To(HaveKey(name), d.Name)
				Expect(d.Spec.Template.Spec.Containers[0].Args).To(ContainElement(want[name]), d.Name)
				Expect(d.Spec.Template.Labels).To(Equal(mergeLabels(d.Spec.Template.Labels, d.Spec.Selector.MatchLabels)))
				selectors = append(selectors, d.Spec.Selector.MatchLabels)
			}
			// No Deployment's selector selects another's pods.
			for i := range selectors {
				for j := range selectors {
					if i != j {
						Expect(selectors[i]).NotTo(Equal(selectors[j]))
					}
				}
			}
		})

		It("refuses more than one replica without leader election", func() {
			_, err := helmTemplate("helm-refused", "--set", "replicaCount=2", "--set", "leaderElection.enabled=false")
			Expect(err).To(MatchError(ContainSubstring("replicaCount > 1 needs leaderElection.enabled")))
		})

		It("refuses values its schema does not allow", func() {
			_, err := helmTemplate("helm-refused", "--set", "maxConcurrentReconciles=0")
			Expect(err).To(MatchError(ContainSubstring("maxConcurrentReconciles")))
			_, err = helmTemplate("helm-refused", "--set", "watchNamespace=team-a")
			Expect(err).To(MatchError(ContainSubstring("watchNamespace")))
			_, err = helmTemplate("helm-refused", "--set", "shards={not a label value}")
			Expect(err).To(MatchError(ContainSubstring("shards")))
		})
	})
})

var _ = Describe("The server-side dry run", func() {
	It("reports a manager that breaks the restricted Pod Security Standard, so a clean run means something", func() {
		const namespace = "pod-security-check"
		objs, err := helmTemplate(namespace, "--set", "securityContext=null", "--set", "podSecurityContext=null")
		Expect(err).NotTo(HaveOccurred())
		createNamespace(namespace)
		ws, err := dryRunApply(named(objs, "Deployment", "sailpoint-mfa-operator"))
		Expect(err).NotTo(HaveOccurred())
		Expect(ws).To(ContainElement(ContainSubstring("restricted")))
	})

	It("refuses a field the schema does not know, in a built-in kind and in a custom resource", func() {
		const namespace = "unknown-field-check"
		objs, err := helmTemplate(namespace, scopedWithMonitoring...)
		Expect(err).NotTo(HaveOccurred())
		createNamespace(namespace)
		for _, u := range []*unstructured.Unstructured{
			named(objs, "Deployment", "sailpoint-mfa-operator").DeepCopy(),
			ofKind(objs, "ServiceMonitor")[0].DeepCopy(),
		} {
			Expect(unstructured.SetNestedField(u.Object, int64(1), "spec", "replicaz")).To(Succeed())
			_, err := dryRunApply(u)
			Expect(err).To(MatchError(ContainSubstring("replicaz")), describe(u))
		}
	})
})

// mergeLabels returns a copy of base with extra added: a pod template's labels must contain
// its selector's.
func mergeLabels(base, extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
