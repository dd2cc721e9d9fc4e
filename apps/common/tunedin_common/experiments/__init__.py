"""Champion/challenger experiments: the record, the assignment, the statistics, the report.

Shared by the trainer's ``jobs/experiment.py`` (which writes the record) and the API (which reads
it and splits traffic); numpy, pydantic and the standard library only.

* ``record``: ``Experiment``, the ``$ARTIFACTS/experiment.json`` record (champion = what CURRENT
  named at the start, challenger, share, state), written atomically; ``ExperimentReader`` polls
  it at the cost of one ``stat``.
* ``assignment``: ``assign(experiment, user_key)``, a sticky variant from a blake2b hash of the
  experiment id and any user key.
* ``statistics``: Wilson intervals and the always-valid mixture SPRT for two Bernoulli rates
  (α = 0.05 by default).
* ``report``: ``experiment_report(experiment, champion_counts, challenger_counts)``, the
  ``ExperimentReport`` that ``GET /v1/experiments/current`` serves.
* ``simulation``: a synthetic population to measure the test's false-positive rate and power.
"""
