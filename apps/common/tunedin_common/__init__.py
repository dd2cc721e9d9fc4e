"""Pieces shared by the TunedIn trainer and API: the artifact contract and logging."""
