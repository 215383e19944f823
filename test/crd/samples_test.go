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

package crd_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// readSamples returns every object of every YAML file in config/samples except the
// kustomization, keyed by file name.
func readSamples() map[string][]*unstructured.Unstructured {
	dir := filepath.Join(repoRoot, "config", "samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	Expect(err).NotTo(HaveOccurred())
	samples := map[string][]*unstructured.Unstructured{}
	for _, file := range files {
		name := filepath.Base(file)
		if name == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(file)
		Expect(err).NotTo(HaveOccurred())
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred(), name)
			js, err := yaml.YAMLToJSON(doc)
			Expect(err).NotTo(HaveOccurred(), name)
			if len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
				continue
			}
			u := &unstructured.Unstructured{}
			Expect(u.UnmarshalJSON(js)).To(Succeed(), name)
			samples[name] = append(samples[name], u)
		}
	}
	return samples
}

var _ = Describe("The samples in config/samples", func() {
	It("are all accepted by a server-side dry-run create", func() {
		samples := readSamples()
		Expect(samples).NotTo(BeEmpty())
		for file, objs := range samples {
			for _, u := range objs {
				u.SetNamespace(testNamespace)
				Expect(k8sClient.Create(ctx, u, client.DryRunAll)).To(Succeed(),
					"%s: %s %s", file, u.GetKind(), u.GetName())
			}
		}
	})

	It("cover every kind, both MFA methods, and their Secrets", func() {
		seen := map[string]bool{}
		for _, objs := range readSamples() {
			for _, u := range objs {
				key := u.GetKind()
				if method, ok, _ := unstructured.NestedString(u.Object, "spec", "method"); ok {
					key += "/" + method
				}
				seen[key] = true
			}
		}
		Expect(seen).To(HaveKey("Secret"))
		Expect(seen).To(HaveKey("SailPointTenant"))
		Expect(seen).To(HaveKey("MfaProviderConfig/okta-verify"))
		Expect(seen).To(HaveKey("MfaProviderConfig/duo-web"))
		Expect(seen).To(HaveKey("MfaKbaAnswers"))
	})

	It("are all listed in config/samples/kustomization.yaml", func() {
		data, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "kustomization.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var k struct {
			Resources []string `json:"resources"`
		}
		Expect(yaml.Unmarshal(data, &k)).To(Succeed())
		for file := range readSamples() {
			Expect(k.Resources).To(ContainElement(file))
		}
		for _, r := range k.Resources {
			Expect(strings.HasSuffix(r, ".yaml")).To(BeTrue(), r)
			Expect(filepath.Join(repoRoot, "config", "samples", r)).To(BeAnExistingFile())
		}
	})
})
