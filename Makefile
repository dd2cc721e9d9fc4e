# TunedIn — `make help` lists every target with its one-line description.
# Knobs are env vars with the TUNEDIN_ prefix (see README "Configuration"); Make passes them through.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Leave empty to take torch 2.13.0 from your default index; set to PyTorch's CPU wheel
# index for a CPU-only install without the CUDA packages (see README).
TORCH_INDEX_URL ?=
TORCH_VERSION := 2.13.0
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

export TUNEDIN_ARTIFACTS ?= $(CURDIR)/artifacts

##@ Quick start

.PHONY: demo
demo: setup model frontend-build up ## Set up, get the data, train, index, publish, then start Redis + API + frontend and print the URLs

.PHONY: model
model: setup ## Run the pipeline unless a model is already published (make pipeline always retrains)
	@if [ -s $(TUNEDIN_ARTIFACTS)/CURRENT ]; then \
	  echo "model $$(cat $(TUNEDIN_ARTIFACTS)/CURRENT) is published in $(TUNEDIN_ARTIFACTS) (make pipeline retrains)"; \
	else $(MAKE) --no-print-directory pipeline; fi

.PHONY: up
up: setup frontend-build ## Start Redis, the API and the frontend on the published model; Ctrl-C stops them
	bash scripts/up.sh

.PHONY: test
test: setup lint test-unit test-api test-chart test-frontend test-frontend-schema test-e2e test-integration test-reliability test-images ## The whole test suite: lint, types, unit, API, chart, frontend, browser, integration, reliability, images

##@ Environment

.PHONY: setup
setup: $(STAMP) ## Create .venv with pinned dependencies (torch 2.13.0 CPU)

$(STAMP): requirements/common.txt requirements/trainer.txt requirements/dev.txt requirements/api.txt apps/common/pyproject.toml apps/trainer/pyproject.toml apps/api/pyproject.toml
	bash scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION) $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
	$(PY) -m pip install --quiet -r requirements/trainer.txt -r requirements/dev.txt -r requirements/api.txt
	$(PY) -m pip install --quiet --no-deps -e apps/common -e apps/trainer -e apps/api
	touch $@

##@ Batch pipeline (each stage: python -m jobs.<stage> --help)

.PHONY: pipeline
pipeline: setup ## prepare-data → train → build-index → publish (TUNEDIN_PSEUDONYM_KEY: yours, else the local one of make up)
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.prepare_data
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.train
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.build_index
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.publish

.PHONY: prepare-data
prepare-data: setup ## Download (checksum-verified), parse, validate and split the Last.fm data
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.prepare_data

.PHONY: train
train: setup ## Train LightGCN on the newest dataset and evaluate it against the baselines
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.train

.PHONY: build-index
build-index: setup ## Build the FAISS index of the newest model and measure its recall
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.build_index

.PHONY: publish
publish: setup ## Point CURRENT at the newest model if it passes the recall and quality gates
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.publish

.PHONY: erasures
erasures: setup ## Every user erasure and each step's time or "pending" (make pipeline completes them)
	$(WITH_LOCAL_KEYS) $(PY) -m jobs.erasures status

##@ Checks

.PHONY: check
check: lint test-unit test-api test-chart test-frontend ## The fast checks for every commit (a few minutes): ruff, mypy, unit, API, chart and frontend unit tests

.PHONY: lint
lint: setup ## ruff + mypy
	$(VENV)/bin/ruff check apps jobs tests bench
	$(VENV)/bin/ruff format --check apps jobs tests bench
	$(VENV)/bin/mypy

.PHONY: format
format: setup ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix apps jobs tests bench
	$(VENV)/bin/ruff format apps jobs tests bench

.PHONY: test-unit
test-unit: setup ## Fast unit tests on tiny synthetic data
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

.PHONY: test-integration
test-integration: test-data ## The pipeline end to end on the real Last.fm data
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

.PHONY: test-data
test-data: setup ## Find the Last.fm test files (TUNEDIN_TEST_DATA, ../shared) or download them into .cache/
	$(PY) -m tests.fetch_data

##@ Benchmarks (results in bench/results/)

.PHONY: bench
bench: bench-train bench-ablations bench-api bench-search bench-reasons ## Every benchmark

.PHONY: bench-search
bench-search: setup ## Artist name search on the served catalogue: typo/accent queries and latency → bench/results/search.{json,md}
	$(PY) -m bench.search

.PHONY: bench-reasons
bench-reasons: setup ## How varied the reasons of a top-20 list are, old rule vs new, on the served model → bench/results/reasons.{json,md}
	$(PY) -m bench.reasons

.PHONY: bench-train
bench-train: setup ## Training speed and time-to-quality vs a plain PyG loop → bench/results/train.{json,md}
	$(PY) -m bench.train_speed

.PHONY: bench-ablations
bench-ablations: setup ## What each addition to plain LightGCN adds, on the real data → bench/results/ablations.{json,md}
	$(PY) -m bench.ablations

# Each part of the system adds its targets in mk/<part>.mk (API, frontend, chart, …).
include $(sort $(wildcard mk/*.mk))

##@ Housekeeping

.PHONY: clean
clean: ## Remove the artifacts folder (keeps .venv)
	rm -rf $(TUNEDIN_ARTIFACTS)

.PHONY: distclean
distclean: clean ## Remove the artifacts folder and .venv
	rm -rf $(VENV)

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)
