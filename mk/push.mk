# Publishing the three images (built by `make images`, IMAGE_TAG and IMAGE_REPO_* of mk/images.mk)
# to a registry the cluster pulls from: `make images push REGISTRY=registry.example.com/team`.

# Registry host[:port][/path] the images are pushed to; also read by `make helm-install`.
REGISTRY ?=
PUSH_REGISTRY = $(patsubst %/,%,$(REGISTRY))

##@ Publishing

.PHONY: push
push: ## Tag tunedin-api, tunedin-trainer, tunedin-frontend:IMAGE_TAG as REGISTRY/<repo>:IMAGE_TAG and push them
	@if [ -z "$(PUSH_REGISTRY)" ]; then \
	  echo "make push needs the registry to push to: make push REGISTRY=<host[:port][/path]>, e.g. REGISTRY=registry.example.com/team" >&2; \
	  exit 1; fi
	@for repo in $(IMAGE_REPO_API) $(IMAGE_REPO_TRAINER) $(IMAGE_REPO_FRONTEND); do \
	  echo "pushing $(PUSH_REGISTRY)/$$repo:$(IMAGE_TAG)"; \
	  $(DOCKER) tag "$$repo:$(IMAGE_TAG)" "$(PUSH_REGISTRY)/$$repo:$(IMAGE_TAG)"; \
	  $(DOCKER) push "$(PUSH_REGISTRY)/$$repo:$(IMAGE_TAG)"; \
	done
	@echo "deploy them with: make helm-install REGISTRY=$(PUSH_REGISTRY) IMAGE_TAG=$(IMAGE_TAG)"
