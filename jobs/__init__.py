"""Thin entrypoints of the batch stages: ``python -m jobs.<stage> --help``.

Each runs the same way from ``make`` on a laptop and as a Kubernetes Job; the work lives
in ``tunedin_trainer``, the settings in ``tunedin_trainer.settings.Settings``.
"""
