"""The sequential test on a synthetic population (seeded, small): A/A runs looked at 80 times stay
at or under α while the same peeking with a fixed-horizon z-test does not; a better challenger
is found, in the right direction. bench/experiments.py runs the full-size version."""

from __future__ import annotations

import numpy as np

from tunedin_common.experiments.simulation import (
    Population,
    Scenario,
    detection_quantile,
    per_user_day,
    rejection_rate,
    simulate,
)
from tunedin_common.experiments.statistics import MixtureSPRT

POPULATION = Population(n_users=10_000)
SPRT = MixtureSPRT(alpha=0.05)


def test_a_over_a_false_positives_stay_under_alpha_where_naive_peeking_exceeds_it() -> None:
    results = simulate(
        POPULATION, Scenario(lift=1.0, max_impressions=20_000, look_every=250), SPRT, 60, seed=1
    )
    assert rejection_rate(results) <= SPRT.alpha
    # The harness can tell: peeking at a fixed-horizon test 80 times rejects far more often than α.
    assert rejection_rate(results, naive=True) > 2 * SPRT.alpha


def test_a_better_challenger_is_detected_in_its_favour() -> None:
    results = simulate(
        POPULATION, Scenario(lift=1.2, share=0.5, max_impressions=20_000, look_every=250), SPRT, 20, seed=7
    )
    assert rejection_rate(results) == 1.0
    assert all(r.challenger_better for r in results)
    late = detection_quantile(results, 0.9)
    assert late is not None and late <= 8_000


def test_a_worse_challenger_is_detected_against_it() -> None:
    results = simulate(
        POPULATION, Scenario(lift=0.8, share=0.5, max_impressions=20_000, look_every=250), SPRT, 10, seed=11
    )
    assert rejection_rate(results) == 1.0
    assert not any(r.challenger_better for r in results)


def testper_user_day_counting_keeps_one_impression_per_user_and_day() -> None:
    users = np.array([1, 1, 2, 1, 2, 3, 1, 1], dtype=np.int64)
    challenger = np.array([True, True, False, True, False, False, True, True])
    played = np.array([False, True, False, False, False, True, False, False])
    anonymous = np.array([False, False, False, False, False, True, False, False])
    # Two days: impressions 0-3 on day 0, 4-7 on day 1; the anonymous one is not counted.
    arms, plays = per_user_day((challenger, played, users, anonymous), days=2)
    # Units in order of first impression: (1, day 0), (2, day 0), (2, day 1), (1, day 1).
    assert arms.tolist() == [True, False, False, True]
    assert plays.tolist() == [True, False, False, False]
