# sailpoint-mfa-operator Makefile (kubebuilder layout).

# Version stamped into the binaries and the User-Agent.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Image URL to use for building and pushing the operator image.
IMG ?= ghcr.io/identityops/sailpoint-mfa-operator:$(VERSION)

GOBIN ?= $(shell go env GOPATH)/bin
LDFLAGS ?= -s -w -X github.com/identityops/sailpoint-mfa-operator/internal/sailpoint.Version=$(VERSION)
GO_BUILD_FLAGS ?= -trimpath -ldflags "$(LDFLAGS)"

# Setting SHELL to bash allows bash commands to be executed by recipes.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs and RBAC (ClusterRole) from the Go markers, and copy them into the Helm chart.
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	@$(MAKE) --no-print-directory helm-sync

## The Helm chart reads verbatim copies of generated files from its files/ folder: the CRDs,
## the manager's ClusterRole (its rules become the chart's ClusterRole or per-namespace
## Roles) and the alerts. `make verify` fails when the copies are stale.
CHART_DIR ?= charts/sailpoint-mfa-operator
.PHONY: helm-sync
helm-sync: ## Copy the generated CRDs, the manager's RBAC rules and the alerts into the Helm chart.
	rm -rf "$(CHART_DIR)/files/crds" && mkdir -p "$(CHART_DIR)/files/crds"
	cp config/crd/bases/*.yaml "$(CHART_DIR)/files/crds/"
	cp config/rbac/role.yaml "$(CHART_DIR)/files/manager-role.yaml"
	cp config/prometheus/prometheus_rule.yaml "$(CHART_DIR)/files/prometheus-rule.yaml"
	cp config/grafana/sailpoint-mfa-operator.json "$(CHART_DIR)/files/grafana-dashboard.json"

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt against code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet against code.
	go vet ./...

.PHONY: test
test: manifests generate fmt vet envtest helm build-installer monitoring-crds ## Run every test (but the fault suite: make test-fault) on a real kube-apiserver and etcd.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go test $$(go list ./... | grep -v -e /test/fault -e /test/bench) -coverprofile cover.out
	$(MAKE) test-promql

.PHONY: test-promql
test-promql: envtest ## Check the dashboard's and the alerts' PromQL against a running manager (module test/promql, which keeps the Prometheus parser out of go.mod).
	cd test/promql && KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go test -count=1 ./...

## The fault suite runs bin/manager, bin/sailpoint-emulator and envtest's control plane as
## processes and prints a table of figures at the end. FAULT_RUN selects tests (go test -run).
FAULT_RUN ?= .
.PHONY: test-fault
test-fault: build envtest ## Run the fault suite (429s, 5xx, hanging tenants, failover, kills, API-server restart).
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go test ./test/fault -count=1 -v -timeout 10m -run '$(FAULT_RUN)'

## The operator benchmark (test/bench) runs bin/manager, bin/sailpoint-emulator and envtest's
## control plane as processes, each scenario once, and prints every figure beside a floor
## measured in the same run. BENCH_N configs over BENCH_N/2 tenants in the burst scenario;
## BENCH_MANAGER_ARGS overrides the manager's tuning flags; see docs/performance.md.
BENCH_N ?= 1000
BENCH_RUN ?= .
.PHONY: bench
bench: build envtest ## Run the client microbenchmarks, then the operator benchmark (N=1000).
	go test -run '^$$' -bench . -benchmem $$(go list ./... | grep -v -e /test/bench -e /test/fault)
	BENCH_N=$(BENCH_N) KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go test ./test/bench -run '^$$' -bench '$(BENCH_RUN)' -benchtime=1x -count=1 -timeout 60m -v

.PHONY: bench-short
bench-short: build envtest ## Run the operator benchmark's short version (N=100, small scenarios), as CI does.
	BENCH_N=100 BENCH_SHORT=1 KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go test ./test/bench -run '^$$' -bench '$(BENCH_RUN)' -benchtime=1x -count=1 -timeout 10m -v

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	"$(GOLANGCI_LINT)" run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and fix what it can.
	"$(GOLANGCI_LINT)" run --fix

.PHONY: verify
verify: manifests generate ## Fail when generated files (also the Helm chart's copies) or go.mod are stale.
	@stale=$$(git status --porcelain -- api config $(CHART_DIR)); \
	if [ -n "$$stale" ]; then \
		echo "Generated files are out of date; run 'make manifests generate' and commit:"; \
		echo "$$stale"; git --no-pager diff -- api config $(CHART_DIR); exit 1; \
	fi
	go mod tidy -diff

##@ Build

.PHONY: build
build: ## Build the manager, the emulator and the kubectl-mfa plugin into bin/
	go build $(GO_BUILD_FLAGS) -o bin/manager ./cmd/manager
	go build $(GO_BUILD_FLAGS) -o bin/sailpoint-emulator ./cmd/sailpoint-emulator
	go build $(GO_BUILD_FLAGS) -o bin/kubectl-mfa ./cmd/kubectl-mfa

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the cluster in your kubeconfig.
	go run ./cmd/manager --metrics-bind-address=:8080 --metrics-secure=false

EMULATOR_LISTEN ?= 127.0.0.1:18080
.PHONY: run-emulator
run-emulator: ## Run the SailPoint emulator on loopback; it prints the credentials it accepts.
	go run ./cmd/sailpoint-emulator --listen=$(EMULATOR_LISTEN)

.PHONY: run-local
run-local: build envtest manifests ## The operator on a local control plane against the emulator, with the samples applied.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" go run ./hack/run-local

CONTAINER_TOOL ?= docker
.PHONY: docker-build
docker-build: ## Build the operator image.
	$(CONTAINER_TOOL) build --build-arg VERSION=$(VERSION) -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image.
	$(CONTAINER_TOOL) push $(IMG)

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster in your kubeconfig.
	"$(KUSTOMIZE)" build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Uninstall the CRDs. ignore-not-found=true ignores missing resources.
	"$(KUSTOMIZE)" build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: build-installer
build-installer: manifests kustomize ## Write dist/install.yaml (CRDs, RBAC, the manager with image IMG): one file to apply.
	@# kubebuilder's `kustomize edit set image`, on a scratch copy of config/ so that neither
	@# this target nor `make test` (which uses dist/install.yaml) leaves config/ modified.
	rm -rf dist/.config && mkdir -p dist && cp -R config dist/.config
	cd dist/.config/manager && "$(KUSTOMIZE)" edit set image controller=$(IMG)
	"$(KUSTOMIZE)" build dist/.config/default > dist/install.yaml
	rm -rf dist/.config

.PHONY: deploy
deploy: build-installer ## Deploy the operator (dist/install.yaml) to the cluster in your kubeconfig.
	$(KUBECTL) apply --server-side -f dist/install.yaml

.PHONY: undeploy
undeploy: kustomize ## Undeploy the operator. ignore-not-found=true ignores missing resources.
	"$(KUSTOMIZE)" build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: helm-lint
helm-lint: helm ## Lint the Helm chart (strict), with its default values and with every option on.
	"$(HELM)" lint --strict $(CHART_DIR)
	"$(HELM)" lint --strict $(CHART_DIR) --set 'watchNamespaces={team-a,team-b}' \
		--set metrics.serviceMonitor.enabled=true --set metrics.prometheusRule.enabled=true \
		--set replicaCount=2 --set 'shards={shard1,shard2}' --set metrics.grafanaDashboard.enabled=true

##@ Dependencies

## Location to install dependencies to
LOCALBIN ?= $(shell pwd)/bin
$(LOCALBIN):
	mkdir -p "$(LOCALBIN)"

## Tool binaries
KUBECTL ?= kubectl
KUSTOMIZE ?= $(LOCALBIN)/kustomize
HELM ?= $(LOCALBIN)/helm
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint

## Tool versions
KUSTOMIZE_VERSION ?= v5.8.2
CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0

## The envtest control plane (kube-apiserver, etcd, kubectl) is built from the Go modules
## pinned in hack/tools/kube/go.mod (Kubernetes) and hack/tools/etcd/go.mod (etcd), because
## setup-envtest's downloads are not reachable everywhere. Set KUBEBUILDER_ASSETS to a
## directory holding those three binaries to use your own instead.
ENVTEST_DIR ?= $(LOCALBIN)/k8s
KUBE_VERSION := $(shell awk '{for (i = 1; i < NF; i++) if ($$i == "k8s.io/kubernetes") print $$(i+1)}' hack/tools/kube/go.mod)
KUBE_VERSION_LDFLAGS := $(foreach p,k8s.io/component-base/version k8s.io/client-go/pkg/version,-X $(p).gitVersion=$(KUBE_VERSION) -X $(p).gitMajor=$(word 1,$(subst ., ,$(KUBE_VERSION:v%=%))) -X $(p).gitMinor=$(word 2,$(subst ., ,$(KUBE_VERSION))))
ifeq ($(origin KUBEBUILDER_ASSETS),undefined)
KUBEBUILDER_ASSETS := $(ENVTEST_DIR)
ENVTEST_STAMP := $(ENVTEST_DIR)/.built
else
ENVTEST_STAMP :=
endif

.PHONY: envtest
envtest: $(ENVTEST_STAMP) ## Provide kube-apiserver, etcd and kubectl for envtest (built once, cached in bin/k8s).
	@for b in kube-apiserver etcd kubectl; do \
		test -x "$(KUBEBUILDER_ASSETS)/$$b" || { echo "missing $(KUBEBUILDER_ASSETS)/$$b"; exit 1; }; \
	done

$(ENVTEST_DIR)/.built: hack/tools/kube/go.mod hack/tools/kube/go.sum hack/tools/etcd/go.mod hack/tools/etcd/go.sum
	mkdir -p "$(ENVTEST_DIR)"
	@echo "Building kube-apiserver and kubectl from k8s.io/kubernetes (first time: several minutes)"
	cd hack/tools/kube && go build -trimpath -ldflags="-s $(KUBE_VERSION_LDFLAGS)" -o "$(ENVTEST_DIR)/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
	@echo "Building etcd from go.etcd.io/etcd/server/v3"
	cd hack/tools/etcd && go build -trimpath -ldflags=-s -o "$(ENVTEST_DIR)/etcd" go.etcd.io/etcd/server/v3
	touch "$@"

## Helm is built from the helm.sh/helm/v3 module pinned in hack/tools/helm/go.mod (release
## downloads are not reachable everywhere). The ldflags stamp the version and, as Helm's own
## Makefile does, the Kubernetes version that `helm lint` and `helm template` assume.
HELM_VERSION := $(shell awk '$$1 == "helm.sh/helm/v3" {print $$2}' hack/tools/helm/go.mod)
HELM_KUBE_MINOR := $(word 2,$(subst ., ,$(shell awk '$$1 == "k8s.io/client-go" {print $$2}' hack/tools/helm/go.mod)))
HELM_LDFLAGS := -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	$(foreach p,pkg/chartutil pkg/lint/rules,-X helm.sh/helm/v3/$(p).k8sVersionMajor=1 -X helm.sh/helm/v3/$(p).k8sVersionMinor=$(HELM_KUBE_MINOR))

.PHONY: helm
helm: $(HELM) ## Build helm into bin/ from hack/tools/helm (once; rebuilt when the pin changes).
$(HELM): hack/tools/helm/go.mod hack/tools/helm/go.sum | $(LOCALBIN)
	@echo "Building helm $(HELM_VERSION) from helm.sh/helm/v3 (first time: a few minutes)"
	cd hack/tools/helm && go build -trimpath -ldflags="$(HELM_LDFLAGS)" -o "$(HELM)" helm.sh/helm/v3/cmd/helm

## The ServiceMonitor and PrometheusRule CRDs, for the install tests only (envtest has no
## prometheus-operator): copied from the prometheus-operator Go module at a pinned version.
PROMETHEUS_OPERATOR_VERSION ?= v0.85.0
MONITORING_CRDS_DIR ?= $(LOCALBIN)/monitoring-crds
.PHONY: monitoring-crds
monitoring-crds: $(MONITORING_CRDS_DIR)/.$(PROMETHEUS_OPERATOR_VERSION) ## Provide the prometheus-operator CRDs the install tests need.
$(MONITORING_CRDS_DIR)/.$(PROMETHEUS_OPERATOR_VERSION):
	@dir=$$(go mod download -json \
		github.com/prometheus-operator/prometheus-operator@$(PROMETHEUS_OPERATOR_VERSION) | \
		awk -F'"' '$$2 == "Dir" {print $$4}'); \
	test -n "$$dir" || { echo "could not download prometheus-operator $(PROMETHEUS_OPERATOR_VERSION)"; exit 1; }; \
	rm -rf "$(MONITORING_CRDS_DIR)" && mkdir -p "$(MONITORING_CRDS_DIR)"; \
	for crd in servicemonitors prometheusrules; do \
		cp "$$dir/example/prometheus-operator-crd/monitoring.coreos.com_$$crd.yaml" "$(MONITORING_CRDS_DIR)/"; \
	done; \
	chmod u+w "$(MONITORING_CRDS_DIR)"/*.yaml; touch "$@"

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Download kustomize locally if necessary.
$(KUSTOMIZE): $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Download controller-gen locally if necessary.
$(CONTROLLER_GEN): $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Download golangci-lint locally if necessary.
$(GOLANGCI_LINT): $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool will 'go install' any package with custom target and name of binary, if it doesn't exist
# $1 - target path with name of binary
# $2 - package url which can be installed
# $3 - specific version of package
define go-install-tool
@[ -f "$(1)-$(3)" ] && [ "$$(readlink -- "$(1)" 2>/dev/null)" = "$(1)-$(3)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
rm -f "$(1)" ;\
GOBIN="$(LOCALBIN)" go install $${package} ;\
mv "$(LOCALBIN)/$$(basename "$(1)")" "$(1)-$(3)" ;\
} ;\
ln -sf "$$(realpath "$(1)-$(3)")" "$(1)"
endef
