"""experiment: start, stop, promote and roll back a champion/challenger experiment.

``lifecycle`` holds the transitions of the record (``tunedin_common.experiments.record``);
promotion and rollback move CURRENT through the publish stage itself, gates included.
"""
