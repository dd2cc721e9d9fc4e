"""Wilson intervals and the mixture SPRT: published values, the closed forms, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tunedin_common.experiments.statistics import MixtureSPRT, wilson_interval


def test_wilson_matches_newcombes_published_intervals() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score interval).
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_wilson_edges_and_level() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low95, high95 = wilson_interval(30, 100)
    low99, high99 = wilson_interval(30, 100, alpha=0.01)
    assert low99 < low95 < 0.3 < high95 < high99
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, alpha=1.0)


def test_the_likelihood_ratio_and_confidence_sequence_follow_their_closed_forms() -> None:
    sprt = MixtureSPRT(alpha=0.05, mixture_sd=0.05)
    x_a, n_a, x_b, n_b = 2400, 8000, 660, 2000
    p_a, p_b = x_a / n_a, x_b / n_b
    v = p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    tau2 = 0.05**2
    theta = p_b - p_a
    expected = 0.5 * math.log(v / (v + tau2)) + tau2 * theta**2 / (2 * v * (v + tau2))
    evidence = sprt.evaluate(x_a, n_a, x_b, n_b)
    assert float(evidence.difference) == pytest.approx(0.03)
    assert float(evidence.log_likelihood_ratio) == pytest.approx(expected)
    assert float(evidence.p_value) == pytest.approx(min(1.0, math.exp(-expected)))
    # At either end of the confidence sequence the ratio against that θ₀ is exactly 1/α.
    for end in (float(evidence.low), float(evidence.high)):
        at_end = 0.5 * math.log(v / (v + tau2)) + tau2 * (theta - end) ** 2 / (2 * v * (v + tau2))
        assert at_end == pytest.approx(math.log(20))


@given(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 2000), st.integers(0, 2000))
def test_significant_exactly_when_zero_leaves_the_confidence_sequence(
    a: int, extra_a: int, b: int, extra_b: int
) -> None:
    evidence = MixtureSPRT().evaluate(a, a + extra_a, b, b + extra_b)
    outside = not (float(evidence.low) <= 0.0 <= float(evidence.high))
    assert bool(evidence.significant) == outside
    assert (float(evidence.p_value) <= 0.05) == bool(evidence.significant)


def test_no_evidence_before_the_minimum_or_without_variance() -> None:
    sprt = MixtureSPRT(min_impressions=100)
    few = sprt.evaluate(0, 99, 99, 99)
    assert float(few.log_likelihood_ratio) == 0.0 and not few.significant
    assert (float(few.low), float(few.high)) == (-1.0, 1.0)
    constant = sprt.evaluate(0, 500, 0, 500)
    assert float(constant.p_value) == 1.0


def test_arrays_give_the_same_answer_as_each_look_alone() -> None:
    sprt = MixtureSPRT()
    x_a, n_a = np.array([10, 300, 2400]), np.array([50, 1000, 8000])
    x_b, n_b = np.array([5, 90, 660]), np.array([20, 250, 2000])
    together = sprt.evaluate(x_a, n_a, x_b, n_b)
    for i in range(3):
        alone = sprt.evaluate(int(x_a[i]), int(n_a[i]), int(x_b[i]), int(n_b[i]))
        assert float(together.log_likelihood_ratio[i]) == float(alone.log_likelihood_ratio)
        assert float(together.low[i]) == float(alone.low)


def test_invalid_settings_and_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        MixtureSPRT(alpha=0.0)
    with pytest.raises(ValueError):
        MixtureSPRT(mixture_sd=0.0)
    with pytest.raises(ValueError):
        MixtureSPRT(min_impressions=0)
    with pytest.raises(ValueError):
        MixtureSPRT().evaluate(11, 10, 0, 10)
