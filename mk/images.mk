# The three container images and their container flow test.
# Users: `make images` builds from the public base images (python:3.11-slim-bookworm,
# debian:bookworm-slim, node:20-bookworm-slim) with their usual Docker. CI here, where no image
# can be pulled: `make test-images` starts a private engine if none answers, builds a local
# Debian base (scripts/build-base-image.sh) and the frontend with the host's npm.

# Debian's client: BuildKit (another `docker` may come first on PATH).
DOCKER ?= $(if $(wildcard /usr/bin/docker),/usr/bin/docker,docker)
BASE_IMAGE ?= python:3.11-slim-bookworm
# debian:bookworm-slim for users; any Debian bookworm image works (nginx comes from Debian).
FRONTEND_BASE_IMAGE ?= $(if $(filter python:3.11-slim-bookworm,$(BASE_IMAGE)),debian:bookworm-slim,$(BASE_IMAGE))
NODE_IMAGE ?= node:20-bookworm-slim
# build: npm ci + npm run build in NODE_IMAGE; prebuilt: copy apps/frontend/dist (make frontend-build).
FRONTEND_DIST ?= build
IMAGE_TAG ?= $(shell awk -F'"' '/^appVersion:/ {print $$2}' $(CHART)/Chart.yaml)
IMAGE_REPO_API ?= tunedin-api
IMAGE_REPO_TRAINER ?= tunedin-trainer
IMAGE_REPO_FRONTEND ?= tunedin-frontend
LOCAL_BASE_IMAGE := localbase/python:3.11-slim-bookworm
TORCH_WHEELS := .cache/wheels
DOCKER_BUILD = DOCKER_BUILDKIT=1 $(DOCKER) build --progress=plain

##@ Images

.PHONY: torch-wheels
torch-wheels: ## torch 2.13.0 and the wheels it needs into .cache/wheels for the trainer image (TORCH_INDEX_URL=… for PyTorch's small CPU build)
	@if [ ! -f $(TORCH_WHEELS)/.complete ]; then \
	  rm -rf $(TORCH_WHEELS) && \
	  echo "downloading torch $(TORCH_VERSION) and its dependencies into $(TORCH_WHEELS)" && \
	  $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m pip download --quiet --only-binary=:all: torch==$(TORCH_VERSION) \
	    $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) -d $(TORCH_WHEELS) && \
	  touch $(TORCH_WHEELS)/.complete; \
	fi
	@echo "trainer image wheels: $$(ls $(TORCH_WHEELS)/*.whl | wc -l) in $(TORCH_WHEELS) ($$(du -sh $(TORCH_WHEELS) | cut -f1))"

.PHONY: images
images: image-api image-trainer image-frontend ## Build tunedin-api, tunedin-trainer, tunedin-frontend:IMAGE_TAG (BASE_IMAGE=…, FRONTEND_DIST=build|prebuilt)

.PHONY: image-api
image-api: ## Build the API image (no torch)
	$(DOCKER_BUILD) -f apps/api/Dockerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) \
	  -t $(IMAGE_REPO_API):$(IMAGE_TAG) .

.PHONY: image-trainer
image-trainer: torch-wheels ## Build the trainer image (torch 2.13.0 on the CPU, PyG, faiss; every jobs/ stage)
	$(DOCKER_BUILD) -f apps/trainer/Dockerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) \
	  -t $(IMAGE_REPO_TRAINER):$(IMAGE_TAG) .

.PHONY: image-frontend
image-frontend: $(if $(filter prebuilt,$(FRONTEND_DIST)),frontend-build) ## Build the frontend image (nginx on 8080, optional /api proxy)
	$(DOCKER_BUILD) -f apps/frontend/Dockerfile --build-arg BASE_IMAGE=$(FRONTEND_BASE_IMAGE) \
	  --build-arg NODE_IMAGE=$(NODE_IMAGE) --build-arg DIST=$(FRONTEND_DIST) \
	  -t $(IMAGE_REPO_FRONTEND):$(IMAGE_TAG) .

.PHONY: test-images
test-images: setup chart-tools test-data ## Container flow as the chart runs it: local base, the 3 images, pipeline → API + Redis → frontend /api (KEEP_DOCKER=1 keeps the engine)
	@export DOCKER_HOST=$$(bash scripts/docker-engine.sh start); \
	$(if $(KEEP_DOCKER),,trap 'bash scripts/docker-engine.sh stop' EXIT;) \
	bash scripts/build-base-image.sh $(LOCAL_BASE_IMAGE); \
	$(MAKE) --no-print-directory images BASE_IMAGE=$(LOCAL_BASE_IMAGE) FRONTEND_DIST=prebuilt; \
	LOCAL_BASE_IMAGE=$(LOCAL_BASE_IMAGE) $(PY) -m pytest tests/images $(PYTEST_ARGS)

.PHONY: docker-engine-stop
docker-engine-stop: ## Stop the private dockerd that test-images started (.cache/docker)
	bash scripts/docker-engine.sh stop

# skaffold builds the trainer image from the same context: the wheels have to be there first.
dev: torch-wheels
