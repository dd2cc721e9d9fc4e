"""Errors a stage reports as a one-line reason and a non-zero exit (see ``cli.run_stage``)."""


class PipelineError(Exception):
    """Something the user can fix: bad input data, a failed gate, a missing prerequisite."""


class DataError(PipelineError):
    """The source data is unusable: checksum mismatch, truncated archive, missing file, bad row."""


class GateError(PipelineError):
    """A model failed a publish gate (index recall, quality against the served model)."""
