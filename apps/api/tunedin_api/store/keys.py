"""Every Redis key the API writes. Per-user keys share the ``tunedin:user:<id>:`` prefix, so
deleting a user is one SCAN; the anonymised feedback log is one stream, the impression log another."""

from __future__ import annotations

# The feedback log's stream and the pseudonym it names users by are defined with the log.
from tunedin_common.feedback_log import FEEDBACK_STREAM as FEEDBACK_STREAM
from tunedin_common.feedback_log import IMPRESSION_STREAM as IMPRESSION_STREAM
from tunedin_common.feedback_log import pseudonym as pseudonym

RATE_LIMIT_PREFIX = "tunedin:ratelimit"
FORGET_CHANNEL = "tunedin:forget"  # pub/sub: user ids every API process drops from its caches


def user_prefix(user_id: int) -> str:
    return f"tunedin:user:{user_id}:"


def history(user_id: int) -> str:
    return f"{user_prefix(user_id)}history"


def embedding(user_id: int, model_id: str) -> str:
    return f"{user_prefix(user_id)}emb:{model_id}"


def recommendation(user_id: int, recommendation_id: str) -> str:
    """A list shown during an experiment: its variant, experiment, artists and UTC day."""
    return f"{user_prefix(user_id)}rec:{recommendation_id}"


def experiment_marks(user_id: int, experiment_id: str) -> str:
    """Which of the user's days (and events on them) an experiment's counts already include."""
    return f"{user_prefix(user_id)}experiment:{experiment_id}"


def experiment_counts(experiment_id: str) -> str:
    """Per variant: impressions, plays, likes and skips (no user in it)."""
    return f"tunedin:experiment:{experiment_id}:counts"


def experiment_report(experiment_id: str) -> str:
    """The last report served, whose p-values the next one keeps the running minimum of."""
    return f"tunedin:experiment:{experiment_id}:report"


# The subjects (keyed pseudonyms, never ids) of every erased user: what each request about a user
# tests in the rate-limit round trip. The erasure ledger is the durable copy; every API process
# adds what it lacks after a Redis flush.
ERASED_SET = "tunedin:erased"
