"""build-index: a FAISS index over a model's item embeddings, its recall measured against exact search.

``build`` constructs the index (and documents the MIPS choice), ``measure`` and ``evaluate``
measure it, ``gates`` decides whether it is good enough, ``models`` reads model directories,
``stage`` runs the whole stage for ``jobs/build_index.py``.
"""
