"""Sticky assignment: a pinned hash, any key, the share honoured, fresh splits per experiment."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tunedin_common.experiments.assignment import assign, assignment_point, model_for, variant_for
from tunedin_common.experiments.record import Experiment

EXPERIMENT_ID = "ex-20260101T000000Z-0123abcd"
OTHER_ID = "ex-20260101T000000Z-89abcdef"


def _experiment(share: float) -> Experiment:
    return Experiment(
        experiment_id=EXPERIMENT_ID,
        champion="20260101T000000Z-00000001",
        challenger="20260102T000000Z-00000002",
        share=share,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_the_point_is_the_documented_hash() -> None:
    digest = hashlib.blake2b(f"{EXPERIMENT_ID}\x00user-42".encode(), digest_size=8).digest()
    assert assignment_point(EXPERIMENT_ID, "user-42") == (int.from_bytes(digest, "big") >> 11) / 2**53


@given(st.text())
def test_any_key_gets_a_sticky_point_in_the_unit_interval(key: str) -> None:
    point = assignment_point(EXPERIMENT_ID, key)
    assert 0.0 <= point < 1.0
    assert assignment_point(EXPERIMENT_ID, key) == point
    assert variant_for(EXPERIMENT_ID, 0.2, key) == variant_for(EXPERIMENT_ID, 0.2, key)


def test_unpaired_surrogates_and_empty_keys_are_keys() -> None:
    for key in ["", "\ud800", "anon-\udfff", "cold:🎧", "x" * 10_000]:
        assert 0.0 <= assignment_point(EXPERIMENT_ID, key) < 1.0
    assert assignment_point(EXPERIMENT_ID, "\ud800") != assignment_point(EXPERIMENT_ID, "\udfff")


def test_the_share_is_honoured_and_the_split_is_fresh_per_experiment() -> None:
    keys = [f"user-{i}" for i in range(20_000)]
    first = [variant_for(EXPERIMENT_ID, 0.2, k) == "challenger" for k in keys]
    second = [variant_for(OTHER_ID, 0.2, k) == "challenger" for k in keys]
    # 20 000 keys at share 0.2: the standard deviation of the share is 0.0028.
    assert abs(sum(first) / len(keys) - 0.2) < 0.012
    assert abs(sum(second) / len(keys) - 0.2) < 0.012
    # Independent splits overlap on share² = 4% of the keys; the same split would overlap on 20%.
    both = sum(a and b for a, b in zip(first, second, strict=True)) / len(keys)
    assert abs(both - 0.04) < 0.01


def test_raising_the_share_only_moves_users_to_the_challenger() -> None:
    keys = [f"anon-{i}" for i in range(2000)]
    small, large = _experiment(0.1), _experiment(0.5)
    for key in keys:
        if assign(small, key) == "challenger":
            assert assign(large, key) == "challenger"
    assert {model_for(large, k) for k in keys} == {large.champion, large.challenger}
