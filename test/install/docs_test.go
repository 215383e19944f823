package install_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// notServedHere are the API groups of the docs' examples for Argo CD and Flux, whose CRDs
// this API server does not have: their blocks are parsed, not dry-run.
var notServedHere = []string{"argoproj.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"}

// docsNamespace holds the examples that name no namespace.
const docsNamespace = "docs-examples"

// yamlBlock is one ```yaml fenced block of a Markdown file.
type yamlBlock struct {
	where string
	body  string
}

var fence = regexp.MustCompile("^( *)```(\\S*)\\s*$")

// yamlBlocks returns the ```yaml blocks of a Markdown file, with the indentation of a block
// inside a list item removed.
func yamlBlocks(path string) []yamlBlock {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var blocks []yamlBlock
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil || m[2] == "" {
			continue
		}
		indent, lang, start := m[1], m[2], i
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], indent))
		}
		if lang == "yaml" || lang == "yml" {
			blocks = append(blocks, yamlBlock{where: fmt.Sprintf("%s:%d", filepath.Base(path), start+1), body: strings.Join(body, "\n") + "\n"})
		}
	}
	return blocks
}

var _ = Describe("The YAML in the docs", func() {
	It("parses, and its manifests pass a server-side dry run", func() {
		files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
		Expect(err).NotTo(HaveOccurred())
		files = append(files, filepath.Join(repoRoot, "README.md"))
		createNamespace(docsNamespace)

		var problems []string
		manifests := 0
		for _, f := range files {
			for _, b := range yamlBlocks(f) {
				for i, doc := range bytes.Split([]byte(b.body), []byte("\n---\n")) {
					where := b.where
					if i > 0 {
						where += fmt.Sprintf(" (document %d)", i+1)
					}
					if _, err := yaml.YAMLToJSONStrict(doc); err != nil {
						problems = append(problems, fmt.Sprintf("%s: not valid YAML: %v", where, err))
						continue
					}
					u := &unstructured.Unstructured{}
					if err := yaml.Unmarshal(doc, &u.Object); err != nil || u.GetAPIVersion() == "" || u.GetKind() == "" {
						continue // an excerpt (status, a list of fields), not a manifest
					}
					if slices.Contains(notServedHere, u.GroupVersionKind().Group) {
						continue
					}
					manifests++
					if problem := dryRunDocObject(u); problem != "" {
						problems = append(problems, where+": "+problem)
					}
				}
			}
		}
		Expect(problems).To(BeEmpty())
		Expect(manifests).To(BeNumerically(">=", 8), "the docs' manifests were not found")
	})
})

// dryRunDocObject dry-runs one example in its namespace (created for real), or in
// docsNamespace when it names none, and returns what the API server refused or warned.
func dryRunDocObject(u *unstructured.Unstructured) string {
	GinkgoHelper()
	namespaced, err := k8sClient.IsObjectNamespaced(u)
	if err != nil {
		return fmt.Sprintf("%s: unknown kind: %v", describe(u), err)
	}
	if namespaced {
		if u.GetNamespace() == "" {
			u.SetNamespace(docsNamespace)
		}
		createNamespace(u.GetNamespace())
	}
	ws, err := dryRunApply(u)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %v", describe(u), err)
	case len(ws) > 0:
		return fmt.Sprintf("%s: warnings: %s", describe(u), strings.Join(ws, "; "))
	}
	return ""
}
