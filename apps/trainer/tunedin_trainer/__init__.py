"""TunedIn batch pipeline: prepare data, train LightGCN, evaluate, build the FAISS index, publish."""
