"""Every Redis key the API writes. Per-user keys share the ``tunedin:user:<id>:`` prefix, so
deleting a user is one SCAN; the anonymised feedback log is one stream."""

from __future__ import annotations

import hashlib
import hmac

FEEDBACK_STREAM = "tunedin:feedback"
RATE_LIMIT_PREFIX = "tunedin:ratelimit"
FORGET_CHANNEL = "tunedin:forget"  # pub/sub: user ids every API process drops from its caches


def user_prefix(user_id: int) -> str:
    return f"tunedin:user:{user_id}:"


def history(user_id: int) -> str:
    return f"{user_prefix(user_id)}history"


def embedding(user_id: int, model_id: str) -> str:
    return f"{user_prefix(user_id)}emb:{model_id}"


def pseudonym(key: bytes, user_id: int) -> str:
    """Keyed hash of a user id: stable for the log, not reversible without the key."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


# The subjects (keyed pseudonyms, never ids) of every erased user: what each request about a user
# tests in the rate-limit round trip. The erasure ledger is the durable copy; every API process
# adds what it lacks after a Redis flush.
ERASED_SET = "tunedin:erased"
