# Reliability, security and load against the real local stack: tests/reliability,
# bench/reliability.py. The full run writes bench/results/reliability.{json,md}; the short form
# (run by `make test`) writes test-output/reliability/.

##@ Reliability

.PHONY: test-reliability
test-reliability: setup ## Faults, fuzzing, keys and scopes, limits, deletion (also under load), security and load at small scale (200 req/s, ~4 min)
	TUNEDIN_RELIABILITY_SCALE=short $(PY) -m pytest tests/reliability -p no:cacheprovider $(PYTEST_ARGS)

.PHONY: bench-reliability
bench-reliability: setup ## Full run: 5 min at 1000 req/s mixed, full-length faults, thousands of fuzz cases → bench/results/reliability.{json,md}
	TUNEDIN_RELIABILITY_SCALE=full $(PY) -m bench.reliability $(PYTEST_ARGS)
