"""TunedIn's recommendation API: serves the published model with numpy + faiss (never torch)."""
