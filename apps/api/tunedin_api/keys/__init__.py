"""API keys: scoped bearer keys stored as hashes in one file (``TUNEDIN_API_KEYS_FILE``).

``keyfile`` is the format, ``registry`` the API's hot-reloading view of the file, ``cli`` the
command line (``python -m tunedin_api.keys add|list|revoke``).
"""
