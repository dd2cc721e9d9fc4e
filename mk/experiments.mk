# Champion/challenger experiments (tunedin_common.experiments, jobs/experiment.py): the sequential
# test's false-positive rate and power on a synthetic population.

##@ Experiments

.PHONY: bench-experiments
bench-experiments: setup ## A/A false positives and time to detect a +10% challenger, synthetic population (~3 min, one core) → bench/results/experiments.{json,md}
	$(PY) -m bench.experiments
