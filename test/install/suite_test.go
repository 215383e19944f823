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

// Package install_test proves the two ways to install the operator against a real
// kube-apiserver: dist/install.yaml (kustomize, `make build-installer`) and the Helm chart in
// charts/sailpoint-mfa-operator (rendered with bin/helm). Every rendered object goes through
// server-side apply with a server-side dry run, so the API server validates it against the
// real schemas, Pod Security admission included; the ServiceMonitor and PrometheusRule are
// validated against the prometheus-operator CRDs (bin/monitoring-crds). The specs also check
// what makes the manager production-ready and that the chart's CRDs, RBAC rules and alerts
// are those generated in config/.
//
// `make test` provides what the specs need (bin/helm, bin/kustomize, dist/install.yaml,
// bin/monitoring-crds and the envtest binaries).
package install_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

var (
	repoRoot = filepath.Join("..", "..")

	// The tools and artifacts `make test` provides. HELM and KUSTOMIZE name other binaries,
	// as they do for the Makefile.
	helmBin        = envOr("HELM", filepath.Join(repoRoot, "bin", "helm"))
	kustomizeBin   = envOr("KUSTOMIZE", filepath.Join(repoRoot, "bin", "kustomize"))
	installYAML    = filepath.Join(repoRoot, "dist", "install.yaml")
	monitoringCRDs = filepath.Join(repoRoot, "bin", "monitoring-crds")
	chartDir       = filepath.Join(repoRoot, "charts", "sailpoint-mfa-operator")

	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	k8sClient client.Client
	warnings  = &warningRecorder{}
)

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func TestInstall(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Install suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(GinkgoLogr)
	ctx, cancel = context.WithCancel(context.TODO())

	for _, path := range []string{helmBin, kustomizeBin, installYAML, monitoringCRDs} {
		_, err := os.Stat(path)
		Expect(err).NotTo(HaveOccurred(),
			"%s is missing: run `make test`, or `make helm kustomize build-installer monitoring-crds` first", path)
	}

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(repoRoot, "bin", "k8s")
	}
	testEnv = &envtest.Environment{
		CRDDirectoryPaths: []string{
			filepath.Join(repoRoot, "config", "crd", "bases"),
			monitoringCRDs,
		},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	Expect(cfg).NotTo(BeNil())

	// Every warning the API server sends (Pod Security, deprecated APIs, unknown fields) is
	// recorded, so that the specs can require none.
	cfg.WarningHandlerWithContext = warnings
	k8sClient, err = client.New(cfg, client.Options{})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})
