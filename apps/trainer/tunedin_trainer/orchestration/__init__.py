"""Pipeline orchestration in a cluster: start a run per fingerprint, run the stage Jobs in order."""
