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
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// No container engine runs the tests, so these specs read the Dockerfile and check that it
// builds the binary the way `make build` does.
var _ = Describe("The Dockerfile", func() {
	read := func(name string) string {
		GinkgoHelper()
		data, err := os.ReadFile(filepath.Join(repoRoot, name))
		Expect(err).NotTo(HaveOccurred())
		return string(data)
	}

	It("builds with a Go toolchain pinned to a patch release of go.mod's Go version", func() {
		builder := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)\.\d+ AS builder$`).FindStringSubmatch(read("Dockerfile"))
		Expect(builder).NotTo(BeNil(), "FROM golang:<major>.<minor>.<patch> AS builder")
		goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read("go.mod"))
		Expect(goVersion).NotTo(BeNil())
		Expect(builder[1]).To(Equal(goVersion[1]))
	})

	It("builds a static manager with the flags of make build, the version stamped in", func() {
		ldflags := regexp.MustCompile(`(?m)^LDFLAGS \?= (.*)$`).FindStringSubmatch(read("Makefile"))
		Expect(ldflags).NotTo(BeNil())
		want := strings.ReplaceAll(ldflags[1], "$(VERSION)", "${VERSION}")
		dockerfile := read("Dockerfile")
		Expect(dockerfile).To(ContainSubstring(`-ldflags "` + want + `"`))
		Expect(dockerfile).To(ContainSubstring("CGO_ENABLED=0"))
		Expect(dockerfile).To(ContainSubstring("go build -trimpath"))
		Expect(dockerfile).To(MatchRegexp(`(?m)^ARG VERSION=`))
		Expect(read("Makefile")).To(ContainSubstring("--build-arg VERSION=$(VERSION)"))
	})

	It("runs the manager as a non-root user on distroless", func() {
		dockerfile := read("Dockerfile")
		Expect(dockerfile).To(MatchRegexp(`(?m)^FROM gcr\.io/distroless/static[-a-z0-9]*:nonroot$`))
		Expect(dockerfile).To(MatchRegexp(`(?m)^USER 65532:65532$`))
		Expect(dockerfile).To(MatchRegexp(`(?m)^ENTRYPOINT \["/manager"\]$`))
	})

	It("copies only what .dockerignore lets into the build context", func() {
		allowed := map[string]bool{}
		for _, line := range strings.Split(read(".dockerignore"), "\n") {
			if strings.HasPrefix(line, "!") {
				allowed[strings.TrimSuffix(strings.TrimPrefix(line, "!"), "/")] = true
			}
		}
		for _, m := range regexp.MustCompile(`(?m)^COPY (?:--from=\S+ )?(.+) \S+$`).FindAllStringSubmatch(read("Dockerfile"), -1) {
			if strings.Contains(m[0], "--from=") {
				continue
			}
			for _, src := range strings.Fields(m[1]) {
				Expect(allowed).To(HaveKey(strings.TrimSuffix(src, "/")), "COPY %s needs !%s in .dockerignore", src, src)
			}
		}
	})
})
