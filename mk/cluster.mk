# A live single-node Kubernetes on this machine (upstream binaries as plain processes, see
# tests/cluster/), the chart installed on it, and the live-cluster checks. The checks
# (cluster-check) run against whatever cluster KUBECONFIG names: this one, kind, or CI's.

CLUSTER_DIR := tests/cluster
CLUSTER_CACHE ?= $(or $(TUNEDIN_CLUSTER_CACHE),$(HOME)/.cache/tunedin-cluster)
CLUSTER_KUBECONFIG := $(CLUSTER_CACHE)/kubeconfig
CLUSTER_INGRESS_PORT ?= $(or $(TUNEDIN_CLUSTER_INGRESS_PORT),18080)
CLUSTER_KUBECTL := $(CLUSTER_CACHE)/bin/kubectl
REDIS_TEST_IMAGE := tunedin-test-redis:local
PROMETHEUS_TEST_IMAGE := tunedin-test-prometheus:local
CHECK_NAMESPACE ?= tunedin-check
# The engine that builds the images: the private dockerd of scripts/docker-engine.sh.
WITH_DOCKER = export DOCKER_HOST=$$(bash scripts/docker-engine.sh start);
TEST_DATA_ZIP = $$($(PY) -m tests.fetch_data --zip)

##@ Live cluster (upstream Kubernetes as processes here; kubeconfig ~/.cache/tunedin-cluster/kubeconfig)

.PHONY: cluster-build
cluster-build: ## Build Kubernetes v1.34, CoreDNS, Traefik from the Go module proxy; fetch containerd, etcd, CNI (cached in ~/.cache/tunedin-cluster)
	bash $(CLUSTER_DIR)/fetch-packages.sh
	bash $(CLUSTER_DIR)/build-kubernetes.sh
	bash $(CLUSTER_DIR)/build-addons.sh
	@$(WITH_DOCKER) bash $(CLUSTER_DIR)/images.sh addons

.PHONY: cluster-up
cluster-up: cluster-build ## Start the local cluster (ingress on 127.0.0.1:18080, TUNEDIN_CLUSTER_INGRESS_PORT); idempotent
	TUNEDIN_CLUSTER_INGRESS_PORT=$(CLUSTER_INGRESS_PORT) bash $(CLUSTER_DIR)/up.sh

.PHONY: cluster-images
cluster-images: setup chart-tools ## Build the TunedIn images (+ the test Redis and Prometheus) and import them into the local cluster's containerd
	@$(WITH_DOCKER) \
	bash scripts/build-base-image.sh $(LOCAL_BASE_IMAGE); \
	$(MAKE) --no-print-directory images BASE_IMAGE=$(LOCAL_BASE_IMAGE) FRONTEND_DIST=prebuilt; \
	DOCKER_BUILDKIT=1 $(DOCKER) build -q --build-arg BASE_IMAGE=$(LOCAL_BASE_IMAGE) -f tests/images/redis.Dockerfile -t $(REDIS_TEST_IMAGE) tests/images >/dev/null; \
	DOCKER_BUILDKIT=1 $(DOCKER) build -q --build-arg BASE_IMAGE=$(LOCAL_BASE_IMAGE) -f $(CLUSTER_DIR)/prometheus.Dockerfile -t $(PROMETHEUS_TEST_IMAGE) $(CLUSTER_DIR) >/dev/null; \
	bash $(CLUSTER_DIR)/images.sh import $(IMAGE_REPO_API):$(IMAGE_TAG) $(IMAGE_REPO_TRAINER):$(IMAGE_TAG) \
	  $(IMAGE_REPO_FRONTEND):$(IMAGE_TAG) $(REDIS_TEST_IMAGE) $(PROMETHEUS_TEST_IMAGE)

.PHONY: cluster-install
cluster-install: setup chart-tools test-data ## helm install the chart into the local cluster (namespace tunedin), training on a local mirror of the data
	@url=$$(bash $(CLUSTER_DIR)/data-mirror.sh start $(TEST_DATA_ZIP)); \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -r $(CHART) "$$tmp/tunedin"; rm -rf "$$tmp/tunedin/charts"; mkdir -p "$$tmp/tunedin/charts/kube-prometheus-stack"; \
	printf 'apiVersion: v2\nname: kube-prometheus-stack\nversion: %s\n' \
	  "$$(awk '/name: kube-prometheus-stack/ {getline; print $$2}' $(CHART)/Chart.yaml | tr -d '"')" \
	  > "$$tmp/tunedin/charts/kube-prometheus-stack/Chart.yaml"; \
	KUBECONFIG=$(CLUSTER_KUBECONFIG) $(HELM) upgrade --install $(RELEASE) "$$tmp/tunedin" --namespace $(NAMESPACE) \
	  --create-namespace -f $(CLUSTER_DIR)/local-values.yaml --set-string trainer.env.TUNEDIN_DATA_SOURCE=$$url \
	  --wait --timeout 30m; \
	echo "TunedIn: http://127.0.0.1:$(CLUSTER_INGRESS_PORT)/  (API: /api/v1/..., docs: /api/docs)"

.PHONY: cluster-check
cluster-check: setup ## The live-cluster checks (install, ingress, upgrades, disruptions, Prometheus alerts, uninstall) on the cluster KUBECONFIG names → bench/results/cluster.{json,md}
	KUBECTL=$(KUBECTL) HELM=$(HELM) $(PY) -m pytest $(CLUSTER_DIR)/check -p no:cacheprovider -v --timeout=2400 $(PYTEST_ARGS)

.PHONY: test-cluster
test-cluster: ## From nothing: build and start the local cluster, build and import the images, run cluster-check on it
	@started=$$(date +%s); \
	$(MAKE) --no-print-directory chart-tools cluster-up cluster-images test-data; \
	url=$$(bash $(CLUSTER_DIR)/data-mirror.sh start $(TEST_DATA_ZIP)); \
	ready=$$(( $$(date +%s) - started )); echo "cluster and images ready after $$ready s"; \
	KUBECONFIG=$(CLUSTER_KUBECONFIG) KUBECTL=$(CLUSTER_KUBECTL) TUNEDIN_CHECK_DATA_URL=$$url \
	  TUNEDIN_CHECK_CLUSTER_INFO=$(CLUSTER_CACHE)/cluster-info.json TUNEDIN_CHECK_PREPARED_S=$$ready \
	  TUNEDIN_CHECK_INGRESS_URL=http://127.0.0.1:$(CLUSTER_INGRESS_PORT) \
	  TUNEDIN_CHECK_VALUES=$(CURDIR)/$(CLUSTER_DIR)/local-values.yaml TUNEDIN_CHECK_NAMESPACE=$(CHECK_NAMESPACE) \
	  $(MAKE) --no-print-directory cluster-check KUBECTL=$(CLUSTER_KUBECTL); \
	echo "test-cluster took $$(( $$(date +%s) - started )) s"

.PHONY: cluster-down
cluster-down: ## Stop the local cluster (PURGE=1 also deletes its state and images, ~25 GB; built binaries stay cached)
	bash $(CLUSTER_DIR)/down.sh $(if $(PURGE),--purge)
