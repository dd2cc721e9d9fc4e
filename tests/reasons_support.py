"""Reading the reasons the API gives back: which of the user's artists a reason cites."""

from __future__ import annotations

LISTEN = "because you listen to "
# What may follow the cited artist (tunedin_api.recommend.reasons): shared tags, or friends.
_CLAUSES = (": both tagged ", ", and ")


def cited(reason: str, prefix: str = LISTEN) -> str | None:
    """The artist ``reason`` cites after ``prefix`` ("because you listen to ", "because you
    liked " …); ``None`` when it does not start with ``prefix``."""
    if not reason.startswith(prefix):
        return None
    artist = reason.removeprefix(prefix)
    for clause in _CLAUSES:
        artist = artist.split(clause, 1)[0]
    return artist
