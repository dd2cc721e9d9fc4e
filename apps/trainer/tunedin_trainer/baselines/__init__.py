"""Baselines scored on the same split and masking as LightGCN: most-popular and EASE."""
