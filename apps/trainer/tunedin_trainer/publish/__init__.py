"""publish: gate a model, point CURRENT at it atomically, then garbage-collect old model dirs.

``gates`` holds the checks (integrity, index recall and size, quality against the served
model), ``gc`` the clean-up, ``stage`` the order in which ``jobs/publish.py`` runs them.
"""
