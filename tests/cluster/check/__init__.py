"""Checks of an installed TunedIn on a live Kubernetes cluster (make cluster-check)."""
