# The web app: React + TypeScript + Vite + Zustand in apps/frontend.

FRONTEND := apps/frontend
NPM ?= npm
FRONTEND_STAMP := $(FRONTEND)/node_modules/.installed
FRONTEND_SCHEMA := $(FRONTEND)/src/api/schema.ts
FRONTEND_BUILD := $(FRONTEND)/dist/index.html
FRONTEND_BUILD_ENV := .cache/frontend/vite-env
FRONTEND_BUILD_INPUTS := $(shell find $(FRONTEND)/src $(wildcard $(FRONTEND)/public) -type f) \
  $(wildcard $(FRONTEND)/.env $(FRONTEND)/.env.*) $(addprefix $(FRONTEND)/,index.html package.json \
  package-lock.json tsconfig.json vite.config.ts)
# Dumps the API's OpenAPI schema from the app itself (no server, no model needed).
define dump_openapi
	$(PY) -c 'import json; from tunedin_api.main import create_app; print(json.dumps(create_app().openapi()))' > $(1)
endef

##@ Frontend

.PHONY: frontend-setup
frontend-setup: $(FRONTEND_STAMP) ## Install the frontend's locked npm packages (npm ci)

$(FRONTEND_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	touch $@

.PHONY: frontend-build
frontend-build: $(FRONTEND_BUILD) ## Type-check and build the static app into apps/frontend/dist (VITE_API_BASE=URL, default /api); skipped when nothing it is built from changed

# The build is remade only when a source, the config, the locked packages or a VITE_* variable
# (what vite bakes into the bundle) changed since the last one.
$(FRONTEND_BUILD): $(FRONTEND_BUILD_INPUTS) $(FRONTEND_BUILD_ENV) $(FRONTEND_STAMP)
	cd $(FRONTEND) && $(NPM) run build

# Rewritten only when the VITE_* variables differ from the last build's, so its date says when.
$(FRONTEND_BUILD_ENV): FORCE
	@mkdir -p $(@D)
	@env | grep '^VITE_' | sort > $@.new || true
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

.PHONY: FORCE
FORCE:

.PHONY: frontend-dev
frontend-dev: frontend-setup ## Vite dev server; /api is proxied to TUNEDIN_API_URL (default http://127.0.0.1:8000)
	cd $(FRONTEND) && $(NPM) run dev

.PHONY: test-frontend
test-frontend: frontend-setup ## eslint, tsc --noEmit and the Vitest unit tests (store, components)
	cd $(FRONTEND) && $(NPM) run --silent lint && $(NPM) run --silent typecheck && $(NPM) test

.PHONY: frontend-api-types
frontend-api-types: setup frontend-setup ## Regenerate src/api/schema.ts from the API's OpenAPI schema (openapi-typescript)
	@tmp=$$(mktemp --suffix=.json); trap 'rm -f "$$tmp"' EXIT; \
	$(call dump_openapi,"$$tmp"); \
	cd $(FRONTEND) && $(NPM) run --silent gen:api -- "$$tmp"

.PHONY: test-frontend-schema
test-frontend-schema: setup frontend-setup ## Check that src/api/schema.ts is what the API's OpenAPI schema generates
	@tmp=$$(mktemp --suffix=.json); trap 'rm -f "$$tmp"' EXIT; \
	$(call dump_openapi,"$$tmp"); \
	cd $(FRONTEND) && $(NPM) run --silent gen:api -- "$$tmp" --check \
	  || { echo "src/api/schema.ts is stale: run \`make frontend-api-types\`" >&2; exit 1; }

.PHONY: frontend-browser
frontend-browser: ## Debian's chromium and redis-server for the end-to-end tests (installed when missing)
	bash scripts/install-system-deps.sh --browser

.PHONY: test-e2e
# Its own artifact store, trained briefly on the test copy of the data (never the network).
E2E_ARTIFACTS := $(CURDIR)/test-output/e2e-artifacts
test-e2e: setup test-data frontend-build frontend-browser ## Chromium (playwright-core) against the real API, Redis and a published model → test-output/e2e
	@if [ ! -s $(E2E_ARTIFACTS)/CURRENT ]; then \
	  TUNEDIN_ARTIFACTS=$(E2E_ARTIFACTS) TUNEDIN_DATA_SOURCE="$$($(PY) -m tests.fetch_data --zip)" \
	  TUNEDIN_EPOCHS=10 TUNEDIN_EVAL_EVERY=5 TUNEDIN_SIMILAR_EVAL_QUERIES=100 TUNEDIN_COLD_START_EVAL_USERS=100 $(MAKE) --no-print-directory pipeline; fi
	cd $(FRONTEND) && TUNEDIN_ARTIFACTS=$(E2E_ARTIFACTS) E2E_OUTPUT=$(CURDIR)/test-output/e2e $(WITH_LOCAL_KEYS) $(NPM) run --silent test:e2e
