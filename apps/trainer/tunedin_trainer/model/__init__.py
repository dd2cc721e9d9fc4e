"""LightGCN for TunedIn: the user–item graph (``graph``) and the model (``lightgcn``)."""
