"""Load generation: the open-loop generator, the mixed traffic of the reliability checks, per-worker probes."""
