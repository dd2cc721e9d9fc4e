"""Load generation: the open-loop generator, the mixed traffic, per-worker probes."""
