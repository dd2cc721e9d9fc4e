"""Deterministic, sticky assignment of users to the variants of an experiment.

A user's point ``u`` is the top 53 bits of ``blake2b-64(experiment_id ‖ 0x00 ‖ user_key)`` over
2**53: uniform in [0, 1) and exact as a float. The user sees the challenger when ``u < share``.
The same key always gets the same variant within an experiment (no state is stored), a new
experiment draws a fresh, independent split, and raising the share only moves champion users
to the challenger, never back.

Any string is a key: a pseudonymised user id, a cold-start or anonymous session key, even one
with unpaired surrogates (encoded with ``surrogatepass``). The 0x00 separator cannot occur in an
experiment id, so (id, key) pairs never collide by concatenation.
"""

from __future__ import annotations

import hashlib

from tunedin_common.experiments.record import Experiment, Variant

_BITS = 53  # a double holds 53 bits exactly: u never rounds up to 1.0


def assignment_point(experiment_id: str, user_key: str) -> float:
    """The user's uniform point in [0, 1) for this experiment."""
    digest = hashlib.blake2b(
        experiment_id.encode("ascii") + b"\x00" + user_key.encode("utf-8", "surrogatepass"),
        digest_size=8,
    ).digest()
    return (int.from_bytes(digest, "big") >> (64 - _BITS)) / float(1 << _BITS)


def variant_for(experiment_id: str, share: float, user_key: str) -> Variant:
    """``challenger`` for a ``share`` of keys, ``champion`` for the rest."""
    return "challenger" if assignment_point(experiment_id, user_key) < share else "champion"


def assign(experiment: Experiment, user_key: str) -> Variant:
    """The variant ``user_key`` sees in ``experiment``."""
    return variant_for(experiment.experiment_id, experiment.share, user_key)


def model_for(experiment: Experiment, user_key: str) -> str:
    """The model id that serves ``user_key`` while ``experiment`` runs."""
    return experiment.model_of(assign(experiment, user_key))
