"""The feedback loop: the API's feedback log exported into the artifact store (``export``) and
merged into the next dataset's training pairs (``merge``)."""
