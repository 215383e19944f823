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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fieldOwner is the server-side apply field manager of the specs.
const fieldOwner = client.FieldOwner("install-test")

// warningRecorder keeps the warnings the API server sends back (HTTP Warning headers).
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, code int, _, message string) {
	if code != 299 || message == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, message)
}

// take returns the warnings recorded since the last call, and forgets them.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	taken := w.warnings
	w.warnings = nil
	return taken
}

// run runs a tool from bin/ and returns its standard output; a failure carries its standard
// error.
func run(name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes(), nil
}

// helmTemplate renders the chart as release "sailpoint-mfa-operator" in namespace with the
// given extra helm arguments (--set ...).
func helmTemplate(namespace string, args ...string) ([]*unstructured.Unstructured, error) {
	out, err := run(helmBin, append([]string{"template", "sailpoint-mfa-operator", chartDir, "--namespace", namespace}, args...)...)
	if err != nil {
		return nil, err
	}
	return decodeObjects(out)
}

// decodeObjects reads a multi-document YAML stream, leaving out empty documents.
func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := decoder.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(u.Object) == 0 {
			continue
		}
		objs = append(objs, u)
	}
}

func mustDecodeFile(path string) []*unstructured.Unstructured {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	objs, err := decodeObjects(data)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

func describe(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return fmt.Sprintf("%s %s", u.GetKind(), u.GetName())
	}
	return fmt.Sprintf("%s %s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
}

// ofKind returns the objects of a kind.
func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var found []*unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == kind {
			found = append(found, u)
		}
	}
	return found
}

// named returns the one object of a kind whose name ends with suffix.
func named(objs []*unstructured.Unstructured, kind, suffix string) *unstructured.Unstructured {
	GinkgoHelper()
	var found []*unstructured.Unstructured
	for _, u := range ofKind(objs, kind) {
		if strings.HasSuffix(u.GetName(), suffix) {
			found = append(found, u)
		}
	}
	Expect(found).To(HaveLen(1), "one %s named *%s", kind, suffix)
	return found[0]
}

// kinds counts the objects per kind.
func kinds(objs []*unstructured.Unstructured) map[string]int {
	counts := map[string]int{}
	for _, u := range objs {
		counts[u.GetKind()]++
	}
	return counts
}

func convert[T any](u *unstructured.Unstructured) *T {
	GinkgoHelper()
	var typed T
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &typed, true)).To(Succeed(),
		"%s has fields its type does not know", describe(u))
	return &typed
}

// createNamespace creates a namespace for real (namespaced objects cannot be dry-run in a
// namespace that does not exist), labelled to enforce the restricted Pod Security Standard.
func createNamespace(name string) {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}}}
	if err := k8sClient.Create(ctx, ns); !apierrors.IsAlreadyExists(err) {
		Expect(err).NotTo(HaveOccurred())
	}
}

// dryRunApply sends one object with server-side apply and a server-side dry run, and returns
// the API server's warnings.
func dryRunApply(u *unstructured.Unstructured) ([]string, error) {
	warnings.take()
	err := k8sClient.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()),
		client.DryRunAll, client.ForceOwnership, fieldOwner)
	return warnings.take(), err
}

// applyAll applies Namespaces for real and every other object with a dry run, and requires
// that the API server accept each without a warning. Namespaced objects must be in a
// namespace that exists by then.
func applyAll(objs []*unstructured.Unstructured) {
	GinkgoHelper()
	var problems []string
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			warnings.take()
			err := k8sClient.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.ForceOwnership, fieldOwner)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", describe(u), err))
			}
			for _, w := range warnings.take() {
				problems = append(problems, fmt.Sprintf("%s: warning: %s", describe(u), w))
			}
			continue
		}
		namespaced, err := k8sClient.IsObjectNamespaced(u)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: unknown kind: %v", describe(u), err))
			continue
		}
		if namespaced != (u.GetNamespace() != "") {
			problems = append(problems, fmt.Sprintf("%s: namespaced is %t but the namespace is %q", describe(u), namespaced, u.GetNamespace()))
			continue
		}
		ws, err := dryRunApply(u)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", describe(u), err))
		}
		for _, w := range ws {
			problems = append(problems, fmt.Sprintf("%s: warning: %s", describe(u), w))
		}
	}
	Expect(problems).To(BeEmpty(), "the API server refused or warned about rendered objects")
}

// expectProductionReadyManager checks the manager Deployment: non-root, read-only root
// filesystem, no capabilities, seccomp RuntimeDefault, requests and limits, probes, leader
// election, and secure metrics on :8443.
// expectStandbyReady checks what a second replica needs: leader election, a
// PodDisruptionBudget that lets one of the Deployment's pods go at a time, and a preferred
// anti-affinity that spreads those pods over nodes.
func expectStandbyReady(d *appsv1.Deployment, pdb *policyv1.PodDisruptionBudget) {
	GinkgoHelper()
	Expect(d.Spec.Template.Spec.Containers[0].Args).To(ContainElement("--leader-elect"))
	Expect(pdb.Spec.MaxUnavailable).To(HaveValue(Equal(intstr.FromInt32(1))))
	Expect(pdb.Spec.Selector.MatchLabels).To(Equal(d.Spec.Selector.MatchLabels))
	Expect(d.Spec.Template.Spec.Affinity).NotTo(BeNil())
	anti := d.Spec.Template.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	Expect(anti).To(HaveLen(1))
	Expect(anti[0].PodAffinityTerm.TopologyKey).To(Equal("kubernetes.io/hostname"))
	Expect(anti[0].PodAffinityTerm.LabelSelector.MatchLabels).To(Equal(d.Spec.Selector.MatchLabels))
}

func expectProductionReadyManager(d *appsv1.Deployment) {
	GinkgoHelper()
	pod := d.Spec.Template.Spec
	Expect(pod.SecurityContext).NotTo(BeNil())
	Expect(pod.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
	Expect(pod.SecurityContext.SeccompProfile).NotTo(BeNil())
	Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
	Expect(pod.ServiceAccountName).NotTo(BeEmpty())

	Expect(pod.Containers).To(HaveLen(1))
	c := pod.Containers[0]
	Expect(c.Name).To(Equal("manager"))
	Expect(c.Command).To(Equal([]string{"/manager"}))
	Expect(c.SecurityContext).NotTo(BeNil())
	Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
	Expect(c.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
	Expect(c.SecurityContext.Capabilities).NotTo(BeNil())
	Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
	Expect(c.SecurityContext.Capabilities.Add).To(BeEmpty())
	Expect(c.SecurityContext.Privileged).To(Or(BeNil(), HaveValue(BeFalse())))

	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		Expect(c.Resources.Requests).To(HaveKey(r), "a %s request", r)
		Expect(c.Resources.Limits).To(HaveKey(r), "a %s limit", r)
	}
	Expect(c.LivenessProbe).NotTo(BeNil())
	Expect(c.LivenessProbe.HTTPGet).NotTo(BeNil())
	Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
	Expect(c.ReadinessProbe).NotTo(BeNil())
	Expect(c.ReadinessProbe.HTTPGet).NotTo(BeNil())
	Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
	for _, probe := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		Expect(hasPort(c, probe.HTTPGet.Port.String(), 8081)).To(BeTrue(), "probes on the health port 8081")
	}

	Expect(c.Args).To(ContainElements("--leader-elect", "--metrics-bind-address=:8443", "--health-probe-bind-address=:8081"))
	Expect(c.Args).NotTo(ContainElement("--metrics-secure=false"))
	Expect(hasPort(c, "", 8443)).To(BeTrue(), "a container port 8443 for the metrics")
}

// hasPort tells whether the container declares port number (named name, when name is not a
// number itself).
func hasPort(c corev1.Container, name string, number int32) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
		return p.ContainerPort == number && (name == "" || name == p.Name || name == fmt.Sprint(number))
	})
}

// expectSelects checks that a ServiceMonitor selects a Service, on one of its ports, in the
// Service's namespace.
func expectSelects(monitor, service *unstructured.Unstructured) {
	GinkgoHelper()
	matchLabels, _, err := unstructured.NestedStringMap(monitor.Object, "spec", "selector", "matchLabels")
	Expect(err).NotTo(HaveOccurred())
	Expect(matchLabels).NotTo(BeEmpty())
	for k, v := range matchLabels {
		Expect(service.GetLabels()).To(HaveKeyWithValue(k, v), "the ServiceMonitor selects the metrics Service")
	}
	Expect(monitor.GetNamespace()).To(Equal(service.GetNamespace()))

	endpoints, _, err := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
	Expect(err).NotTo(HaveOccurred())
	Expect(endpoints).To(HaveLen(1))
	endpoint := endpoints[0].(map[string]interface{})
	svc := convert[corev1.Service](service)
	Expect(svc.Spec.Ports).To(ContainElement(HaveField("Name", endpoint["port"])), "the ServiceMonitor scrapes a port of the Service")
	Expect(endpoint).To(HaveKeyWithValue("honorLabels", true), "the metric's own namespace label is kept")
}

// ruleGroups returns spec.groups of a PrometheusRule.
func ruleGroups(u *unstructured.Unstructured) []interface{} {
	GinkgoHelper()
	groups, found, err := unstructured.NestedSlice(u.Object, "spec", "groups")
	Expect(err).NotTo(HaveOccurred())
	Expect(found).To(BeTrue())
	return groups
}

// rulesOf returns the rules of the one ClusterRole in a YAML file (config/rbac/role.yaml).
func rulesOf(path string) []interface{} {
	GinkgoHelper()
	objs := mustDecodeFile(path)
	Expect(objs).To(HaveLen(1))
	rules, found, err := unstructured.NestedSlice(objs[0].Object, "rules")
	Expect(err).NotTo(HaveOccurred())
	Expect(found).To(BeTrue())
	return rules
}
