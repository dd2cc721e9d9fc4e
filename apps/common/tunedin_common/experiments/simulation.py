"""A synthetic population with known preferences, to measure the sequential test's error rates.

Each simulated user has a true play propensity drawn from a Beta distribution around the
population's play rate; a share of impressions comes from anonymous keys seen once (cold start).
Users are split by the real assignment (``assignment.variant_for``) of a fresh experiment id per
run. An impression is played with the user's propensity, times ``lift`` under the challenger.
Every ``look_every`` impressions the results are looked at: the mixture SPRT
(``statistics.MixtureSPRT``) and, for contrast, a naive fixed-horizon z-test that is peeked at
just as often, which is what an always-valid test protects against.

With ``Scenario.days`` above 0 the results are counted as the API counts them: the impressions
are spread over that many days in arrival order, anonymous ones are not counted (no feedback
could cite them), and each user-day is one impression, played when any of its impressions was.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from tunedin_common.experiments.assignment import assignment_point
from tunedin_common.experiments.statistics import MixtureSPRT

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Population:
    """Who listens: ``n_users`` known users and a share of one-off anonymous keys."""

    n_users: int = 50_000
    play_rate: float = 0.30  # mean true play propensity per impression
    concentration: float = 10.0  # Beta(a, b) with a + b = concentration: spread between users
    anonymous_share: float = 0.10


@dataclass(frozen=True)
class Scenario:
    """One experiment: the challenger's true relative lift on the play rate, its share, its length."""

    lift: float = 1.0  # 1.0: an A/A test, the challenger is the champion
    share: float = 0.2
    max_impressions: int = 100_000
    look_every: int = 500
    days: int = 0  # above 0: count user-days, as the API does (see the module doc)


@dataclass(frozen=True)
class RunResult:
    """Where one run stopped: the impressions at the first significant look, or None."""

    detected_at: int | None
    challenger_better: bool | None  # the direction of that detection
    naive_detected_at: int | None  # the same for the z-test peeked at every look
    final_log_lr: float


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


Impressions = tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], IntArray, npt.NDArray[np.bool_]]


def _impressions(
    population: Population, scenario: Scenario, rng: np.random.Generator, experiment_id: str
) -> Impressions:
    """``(is_challenger, played, user, anonymous)`` per impression, in arrival order."""
    n = scenario.max_impressions
    a = population.play_rate * population.concentration
    b = (1 - population.play_rate) * population.concentration
    propensity = rng.beta(a, b, population.n_users)
    users = rng.integers(0, population.n_users, n)
    anonymous = rng.random(n) < population.anonymous_share
    seen = np.unique(users[~anonymous])
    points = np.empty(population.n_users)
    points[seen] = [assignment_point(experiment_id, f"user-{u}") for u in seen]
    p = np.where(anonymous, rng.beta(a, b, n), propensity[users])
    anon_points = [assignment_point(experiment_id, f"anon-{i}") for i in np.flatnonzero(anonymous)]
    point = points[users]
    point[anonymous] = anon_points
    challenger = point < scenario.share
    p = np.where(challenger, np.minimum(1.0, p * scenario.lift), p)
    return challenger, rng.random(n) < p, users, anonymous


def per_user_day(impressions: Impressions, days: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``(is_challenger, played)`` per user-day, in the order of each user-day's first impression."""
    challenger, played, users, anonymous = impressions
    n = users.size
    day = np.arange(n, dtype=np.int64) * days // n
    kept = ~anonymous
    key = users[kept] * days + day[kept]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    any_play = np.zeros(first.size, dtype=bool)
    np.logical_or.at(any_play, inverse, played[kept])
    order = np.argsort(first)
    return challenger[kept][first][order], any_play[order]


def simulate_run(population: Population, scenario: Scenario, sprt: MixtureSPRT, seed: int) -> RunResult:
    """One seeded run of ``scenario``, looked at every ``look_every`` impressions."""
    rng = np.random.default_rng(seed)
    experiment_id = f"ex-20260101T000000Z-{seed & 0xFFFFFFFF:08x}"
    impressions = _impressions(population, scenario, rng, experiment_id)
    if scenario.days > 0:
        challenger, played = per_user_day(impressions, scenario.days)
    else:
        challenger, played = impressions[:2]
    looks = np.arange(scenario.look_every, challenger.size + 1, scenario.look_every)
    n_b: IntArray = np.cumsum(challenger, dtype=np.int64)[looks - 1]
    x_b: IntArray = np.cumsum(played & challenger, dtype=np.int64)[looks - 1]
    x_all: IntArray = np.cumsum(played, dtype=np.int64)[looks - 1]
    n_a: IntArray = looks - n_b
    x_a: IntArray = x_all - x_b
    evidence = sprt.evaluate(x_a, n_a, x_b, n_b)
    first = _first(evidence.significant)
    naive = _first(_naive_z_rejects(x_a, n_a, x_b, n_b, sprt))
    return RunResult(
        detected_at=None if first is None else int(looks[first]),
        challenger_better=None if first is None else bool(evidence.difference[first] > 0),
        naive_detected_at=None if naive is None else int(looks[naive]),
        final_log_lr=float(evidence.log_likelihood_ratio[-1]),
    )


def _naive_z_rejects(
    x_a: IntArray, n_a: IntArray, x_b: IntArray, n_b: IntArray, sprt: MixtureSPRT
) -> npt.NDArray[np.bool_]:
    """The two-sided fixed-horizon z-test at level α, at every look (what peeking does)."""
    p_a, p_b = x_a / n_a, x_b / n_b
    se = np.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    ready = (n_a >= sprt.min_impressions) & (n_b >= sprt.min_impressions) & (se > 0)
    z = np.abs(p_b - p_a) / np.where(ready, se, 1.0)
    rejects: npt.NDArray[np.bool_] = ready & (z >= NormalDist().inv_cdf(1 - sprt.alpha / 2))
    return rejects


def simulate(
    population: Population, scenario: Scenario, sprt: MixtureSPRT, runs: int, seed: int
) -> list[RunResult]:
    """``runs`` independent runs (seeds ``seed``, ``seed + 1``, …)."""
    return [simulate_run(population, scenario, sprt, seed + i) for i in range(runs)]


def rejection_rate(results: list[RunResult], naive: bool = False) -> float:
    """Share of runs that rejected at some look (the false-positive rate of an A/A scenario)."""
    hits = [r.naive_detected_at if naive else r.detected_at for r in results]
    return sum(h is not None for h in hits) / len(results)


def detection_quantile(results: list[RunResult], q: float) -> int | None:
    """The impressions by which a share ``q`` of the runs had detected; None if fewer ever did."""
    times = sorted(r.detected_at for r in results if r.detected_at is not None)
    needed = int(np.ceil(q * len(results)))
    return times[needed - 1] if needed <= len(times) and needed > 0 else None
