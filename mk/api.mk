##@ API

API_GUNICORN_CONF := apps/api/tunedin_api/gunicorn_conf.py
export TUNEDIN_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: api
api: setup ## Run the API (gunicorn, uvicorn workers) on TUNEDIN_ARTIFACTS and TUNEDIN_REDIS_URL, with the local keys unless set (make keys)
	$(WITH_LOCAL_KEYS) $(VENV)/bin/gunicorn -c $(API_GUNICORN_CONF) 'tunedin_api.main:create_app()'

.PHONY: test-api
test-api: setup ## API tests against a real redis-server and a small trained model
	$(PY) -m pytest tests/api --timeout 120 $(PYTEST_ARGS)

.PHONY: bench-api
bench-api: setup ## API throughput and latency (wrk + open loop) → bench/results/api.{json,md}
	$(PY) -m bench.api
