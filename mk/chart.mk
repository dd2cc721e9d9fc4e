# The Helm chart, its offline tests, the kind cluster and the skaffold dev loop.

CHART := charts/tunedin
TOOLS_BIN := $(CURDIR)/.cache/tools/bin
HELM ?= $(if $(wildcard $(TOOLS_BIN)/helm),$(TOOLS_BIN)/helm,helm)
KUBECTL ?= $(if $(wildcard $(TOOLS_BIN)/kubectl),$(TOOLS_BIN)/kubectl,kubectl)
KIND ?= $(if $(wildcard $(TOOLS_BIN)/kind),$(TOOLS_BIN)/kind,kind)
SKAFFOLD ?= skaffold
KIND_CLUSTER := tunedin
RELEASE ?= tunedin
NAMESPACE ?= tunedin
CHART_TOOLS_STAMP := .cache/tools/.installed
# Bitnami's readme-generator-for-helm, pinned by scripts/chart-readme/package-lock.json: it writes the
# Parameters tables of the chart README from the `## @param` comments of values.yaml.
NPM ?= npm
CHART_README_TOOL := scripts/chart-readme
CHART_README_STAMP := $(CHART_README_TOOL)/node_modules/.installed
README_GENERATOR := $(CHART_README_TOOL)/node_modules/.bin/readme-generator
# The ingress controller of the kind cluster: Traefik v3 from its Helm chart, pinned.
TRAEFIK_CHART_REPO := https://traefik.github.io/charts
TRAEFIK_CHART_VERSION ?= 39.0.9
# The chart repository of the kube-prometheus-stack dependency (as Chart.yaml and Chart.lock name it).
DEPENDENCY_REPO = $(shell awk '$$1 == "repository:" {print $$2; exit}' $(CHART)/Chart.yaml)

##@ Kubernetes

.PHONY: chart-tools
chart-tools: $(CHART_TOOLS_STAMP) ## helm, kubectl, kind into .cache/tools/bin, promtool (Debian)

$(CHART_TOOLS_STAMP): scripts/install-chart-tools.sh
	PIP="$(PY) -m pip" bash scripts/install-chart-tools.sh
	touch $@

.PHONY: chart-readme-tool
chart-readme-tool: $(CHART_README_STAMP) ## Install the pinned readme-generator-for-helm into scripts/chart-readme/node_modules (npm ci)

$(CHART_README_STAMP): $(CHART_README_TOOL)/package.json $(CHART_README_TOOL)/package-lock.json
	cd $(CHART_README_TOOL) && $(NPM) ci --no-audit --no-fund
	touch $@

.PHONY: chart-readme
chart-readme: $(CHART_README_STAMP) ## Regenerate the Parameters tables of charts/tunedin/README.md from the @param comments in values.yaml
	$(README_GENERATOR) --values $(CHART)/values.yaml --readme $(CHART)/README.md

.PHONY: test-chart
test-chart: setup chart-tools chart-readme-tool ## Chart tests: lint, render, strict schemas, policy, promtool alerts, dashboard, skaffold, kind config, README parameters up to date
	$(PY) -m pytest tests/chart $(PYTEST_ARGS)

# helm needs the kube-prometheus-stack subchart to render: offline, a stub stands in for it.
define offline_chart
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -r $(CHART) "$$tmp/tunedin"; rm -rf "$$tmp/tunedin/charts"; \
	mkdir -p "$$tmp/tunedin/charts/kube-prometheus-stack"; \
	printf 'apiVersion: v2\nname: kube-prometheus-stack\nversion: %s\n' \
	  "$$(awk '/name: kube-prometheus-stack/ {getline; print $$2}' $(CHART)/Chart.yaml | tr -d '"')" \
	  > "$$tmp/tunedin/charts/kube-prometheus-stack/Chart.yaml";
endef

.PHONY: helm-lint
helm-lint: chart-tools ## helm lint --strict with the default values and every ci/*-values.yaml (offline)
	@$(offline_chart) \
	$(HELM) lint --strict "$$tmp/tunedin"; \
	for f in $(CHART)/ci/*-values.yaml; do $(HELM) lint --strict "$$tmp/tunedin" -f "$$f"; done

.PHONY: helm-template
helm-template: chart-tools ## Render the chart with the default values (offline) to stdout; VALUES=file adds a values file
	@$(offline_chart) \
	$(HELM) template $(RELEASE) "$$tmp/tunedin" --namespace $(NAMESPACE) $(if $(VALUES),-f $(VALUES))

.PHONY: kind-up
kind-up: ## Create the kind cluster (kind-config.yaml) and install Traefik, its default IngressClass, on host ports 80/443
	$(KIND) get clusters | grep -qx $(KIND_CLUSTER) || $(KIND) create cluster --config kind-config.yaml
	$(HELM) upgrade --install traefik traefik --repo $(TRAEFIK_CHART_REPO) --version $(TRAEFIK_CHART_VERSION) \
	  --kube-context kind-$(KIND_CLUSTER) --namespace traefik --create-namespace \
	  -f kind-traefik-values.yaml --wait --timeout 5m

.PHONY: kind-down
kind-down: ## Delete the kind cluster
	$(KIND) delete cluster --name $(KIND_CLUSTER)

.PHONY: helm-deps
helm-deps: ## Add the kube-prometheus-stack chart repository and fetch the version Chart.lock pins into charts/tunedin/charts
	$(HELM) repo add prometheus-community $(DEPENDENCY_REPO) --force-update
	$(HELM) dependency build $(CHART)

.PHONY: dev
dev: helm-deps ## skaffold dev on the kind cluster: build the images, deploy the chart, port-forward, rebuild on change
	$(SKAFFOLD) dev --profile dev --kube-context kind-$(KIND_CLUSTER)

.PHONY: helm-install
helm-install: helm-deps ## Install/upgrade the chart into the current cluster (IMAGE_TAG=…, REGISTRY=… as pushed by make push, VALUES=file)
	$(HELM) upgrade --install $(RELEASE) $(CHART) --namespace $(NAMESPACE) --create-namespace \
	  --timeout 15m $(foreach c,api trainer frontend,$(if $(IMAGE_TAG),--set $(c).image.tag=$(IMAGE_TAG)) $(if $(PUSH_REGISTRY),--set $(c).image.registry=$(PUSH_REGISTRY))) \
	  $(if $(VALUES),-f $(VALUES))
