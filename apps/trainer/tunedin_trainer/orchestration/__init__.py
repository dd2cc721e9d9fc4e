"""Retraining orchestration in a cluster: create the pipeline Jobs in order and wait for each."""
