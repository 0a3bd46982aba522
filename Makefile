# twilio-operator: see README.md for what each target is for.

# Image the docker-build target builds.
IMG ?= twilio-operator:dev

# The release a build is stamped with (internal/version, the image's labels, the chart's
# appVersion): the nearest v* tag by `git describe`, or v0.0.0-dev.g<commit> before the
# first (hack/version.sh). REVISION is the full commit; SOURCE_DATE_EPOCH, the commit's
# time, is every timestamp in the image and the chart, so one commit builds the same bytes.
VERSION ?= $(shell hack/version.sh)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
VERSION_PKG = github.com/twilio-operator/twilio-operator/internal/version
LDFLAGS = -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Commit=$(REVISION)

# Tools are pinned here and built into ./bin from the Go module proxy; nothing is
# installed by hand. controller-gen is a `go tool` pinned in go.mod.
LOCALBIN ?= $(CURDIR)/bin
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CONTROLLER_GEN ?= go tool controller-gen

# Packages that carry kubebuilder markers.
GEN_PATHS = paths=./api/... paths=./controllers/... paths=./cmd/...

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate the CRDs and RBAC under config/ from the kubebuilder markers, and their copies in the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd $(GEN_PATHS) \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	hack/sync-chart.sh

.PHONY: generate
generate: ## Generate the DeepCopy methods of the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths=./api/...

.PHONY: verify-generated
verify-generated: ## Fail when the committed generated files are stale (regenerates them).
	@hack/verify-generated.sh

.PHONY: fmt
fmt: ## Run gofmt on the code.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint with the linters of .golangci.yml.
	$(GOLANGCI_LINT) run ./...

.PHONY: deps
deps: ## Download the Go modules (once per machine; progress is shown).
	@hack/with-progress.sh "downloading the Go modules" "1-3 min the first time, instant after" go mod download

.PHONY: envtest
envtest: deps ## Build (once, cached outside the repo) the kube-apiserver and etcd that tests use.
	@hack/setup-envtest.sh >/dev/null

.PHONY: test
test: deps verify-generated vet envtest ## Run every test against envtest and the Twilio emulator.
	KUBEBUILDER_ASSETS="$$(hack/setup-envtest.sh)" go test ./... -race -count=1 -timeout 25m

# The oldest Kubernetes release the operator supports, at its last patch release: 1.27 is
# the first whose API server evaluates every CEL feature the CRDs use (messageExpression
# is new in 1.27). charts/twilio-operator/Chart.yaml's kubeVersion and docs/api.md
# ("Supported Kubernetes versions") say the same; test/deploy checks the chart agrees.
COMPAT_K8S_VERSION ?= 1.27.16
# The packages make test-compat runs against it: admission of the CRDs (api), the
# controllers end to end, and the chart's objects in a server-side dry run (test/deploy).
COMPAT_PACKAGES ?= ./api/... ./controllers ./test/deploy

.PHONY: envtest-compat
envtest-compat: deps ## Build (once, cached outside the repo) a second kube-apiserver, of the oldest supported Kubernetes (COMPAT_K8S_VERSION).
	@ENVTEST_K8S_VERSION=$(COMPAT_K8S_VERSION) hack/setup-envtest.sh >/dev/null

.PHONY: test-compat
test-compat: deps envtest-compat ## Run the CRD, controller and chart tests against the oldest supported Kubernetes (not part of test).
	KUBEBUILDER_ASSETS="$$(ENVTEST_K8S_VERSION=$(COMPAT_K8S_VERSION) hack/setup-envtest.sh)" \
		go test $(COMPAT_PACKAGES) -count=1 -timeout 25m

.PHONY: test-faults
test-faults: envtest ## Run the full fault, crash and security suite (FAULTS_SEED=n replays a run) and the fuzz targets.
	@mkdir -p $(LOCALBIN)
	KUBEBUILDER_ASSETS="$$(hack/setup-envtest.sh)" FAULTS_SCALE=full FAULTS_REPORT=$(CURDIR)/bin/faults-report.json \
		go test ./test/faults -count=1 -v -timeout 60m
	go test ./controllers -run '^$$' -fuzz FuzzDiffService -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)
	go test ./internal/twilioemu -run '^$$' -fuzz FuzzTwilioRequests -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME)

.PHONY: test-live
test-live: ## Run the acceptance suite against a real Twilio account (TWILIO_* variables, docs/testing.md); without them, one line and exit 0. Never in CI.
	@hack/test-live.sh

# How long each fuzz target of test-faults runs, and how long it may spend shrinking one
# new input (Go's default of 60s can take most of a short run).
FUZZTIME ?= 60s
FUZZMINIMIZETIME ?= 5s

##@ Demo

.PHONY: demo
demo: envtest ## Run the operator on a local control plane with the Twilio emulator and a Flex example (DEMO_ONESHOT=1 exits once Ready).
	@mkdir -p $(LOCALBIN)
	@hack/with-progress.sh "compiling the demo" "1-3 min the first time" go build -o $(LOCALBIN)/demo ./hack/demo
	KUBEBUILDER_ASSETS="$$(hack/setup-envtest.sh)" $(LOCALBIN)/demo

##@ Benchmark

.PHONY: bench
bench: envtest ## Run the benchmark (not part of test): one table and bench/out/results.json. BENCH_ARGS="-phases cold,defaults,fairness,terraform" picks phases; TF_PROVIDER_SRC=<terraform-provider-twilio checkout> enables the terraform comparison (skipped without it).
	KUBEBUILDER_ASSETS="$$(hack/setup-envtest.sh)" TF_PROVIDER_SRC="$(TF_PROVIDER_SRC)" go run ./hack/bench $(BENCH_ARGS)

##@ Build

.PHONY: build
build: ## Build the operator (stamped with VERSION) and the Twilio emulator into ./bin.
	go build -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/twilio-emulator ./cmd/twilio-emulator

.PHONY: run
run: ## Run the operator against the current kubeconfig (ARGS="--twilio-api-url=…" for the emulator).
	go run ./cmd/manager $(ARGS)

.PHONY: image
image: ## Build the linux/amd64+arm64 operator image without Docker: OCI layout bin/image, tarball bin/twilio-operator-image.oci.tar.
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run ./hack/image -version $(VERSION) -revision $(REVISION) \
		-layout $(LOCALBIN)/image -archive $(LOCALBIN)/twilio-operator-image.oci.tar

.PHONY: docker-build
docker-build: ## Build the operator image for this machine's platform on distroless (needs a Docker engine; `make image` needs none).
	docker build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image (needs a Docker engine and a registry login).
	docker push $(IMG)

##@ Release

.PHONY: release
release: ## Write a release into bin/release (VERSION=v…; default: git describe): image layout + tarball, packaged chart, CRD bundle, SHA256SUMS.
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run ./hack/release -version $(VERSION) -revision $(REVISION) -out $(LOCALBIN)/release

$(GOLANGCI_LINT):
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $(GOLANGCI_LINT)
