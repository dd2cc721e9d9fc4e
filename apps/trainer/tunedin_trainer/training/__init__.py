"""Training LightGCN: configuration, BPR sampling, the epoch loop, checkpoints, the train stage."""
