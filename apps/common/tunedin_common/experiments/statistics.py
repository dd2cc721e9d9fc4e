"""Statistics for an experiment that is looked at again and again: numpy and the standard library.

* ``wilson_interval``: the Wilson score interval of one Bernoulli rate (events / impressions),
  at level 1 − α. It is a fixed-horizon interval: descriptive, valid at one look.
* ``MixtureSPRT``: the always-valid test of the difference of two Bernoulli rates,
  θ = p_challenger − p_champion, of Johari, Koomen, Pekelis and Walsh ("Peeking at A/B tests",
  KDD 2017; "Always valid inference", Operations Research 2022), in its normal-approximation
  form for two proportions. With θ̂ the observed difference and V = p̂₁(1−p̂₁)/n₁ + p̂₂(1−p̂₂)/n₂
  its estimated variance, the likelihood ratio of θ̂ ~ N(θ, V) against θ = 0, mixed over
  θ ~ N(0, τ²), is

      Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))).

  Under θ = 0 it is a nonnegative martingale of mean 1, so by Ville's inequality
  P(Λ ever reaches 1/α) ≤ α: rejecting as soon as Λ ≥ 1/α keeps the false-positive rate at or
  under α however often the results are looked at. 1/Λ is the always-valid p-value (its running
  minimum over looks stays valid) and {θ₀ : Λ(θ₀) < 1/α} the always-valid confidence sequence,
  θ̂ ± sqrt(V (V + τ²) / τ² · (log((V + τ²) / V) + 2 log(1/α))). Validity is asymptotic (the
  variance is estimated, the observations are taken as independent impressions), so no evidence
  is counted before each variant has ``min_impressions``. τ (``mixture_sd``) is the size of
  difference the test is most sensitive to; the default 0.05 suits rates of a few tenths.

The default α is 0.05 everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

DEFAULT_ALPHA = 0.05
DEFAULT_MIXTURE_SD = 0.05
DEFAULT_MIN_IMPRESSIONS = 100

FloatArray = npt.NDArray[np.float64]


def wilson_interval(events: int, trials: int, alpha: float = DEFAULT_ALPHA) -> tuple[float, float]:
    """The (1 − α) Wilson score interval of ``events / trials``; (0, 1) when there are no trials."""
    if not 0 <= events <= trials:
        raise ValueError(f"need 0 ≤ events ≤ trials, got {events} of {trials}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if trials == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - alpha / 2)
    z2 = z * z
    centre = (events + z2 / 2) / (trials + z2)
    half = z / (trials + z2) * math.sqrt(events * (trials - events) / trials + z2 / 4)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class SequentialEvidence:
    """What ``MixtureSPRT.evaluate`` found at one look, or at many (then every field is an array)."""

    difference: FloatArray  # θ̂ = p̂_challenger − p̂_champion
    log_likelihood_ratio: FloatArray  # log Λ; 0 before there is enough data
    p_value: FloatArray  # min(1, 1/Λ) at this look
    low: FloatArray  # the always-valid confidence sequence for θ at this look
    high: FloatArray
    significant: npt.NDArray[np.bool_]  # Λ ≥ 1/α


@dataclass(frozen=True)
class MixtureSPRT:
    """The mixture sequential probability ratio test of two Bernoulli rates (see the module doc)."""

    alpha: float = DEFAULT_ALPHA
    mixture_sd: float = DEFAULT_MIXTURE_SD
    min_impressions: int = DEFAULT_MIN_IMPRESSIONS

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if self.mixture_sd <= 0:
            raise ValueError(f"mixture_sd must be positive, got {self.mixture_sd}")
        if self.min_impressions < 1:
            raise ValueError(f"min_impressions must be at least 1, got {self.min_impressions}")

    @property
    def threshold(self) -> float:
        """log(1/α): the test rejects when log Λ reaches it."""
        return math.log(1 / self.alpha)

    def evaluate(
        self,
        champion_events: npt.ArrayLike,
        champion_trials: npt.ArrayLike,
        challenger_events: npt.ArrayLike,
        challenger_trials: npt.ArrayLike,
    ) -> SequentialEvidence:
        """The evidence at one look (scalars) or at many looks at once (arrays of one shape)."""
        x_a, n_a, x_b, n_b = (
            np.asarray(v, dtype=np.float64)
            for v in (champion_events, champion_trials, challenger_events, challenger_trials)
        )
        if np.any((x_a < 0) | (x_a > n_a) | (x_b < 0) | (x_b > n_b)):
            raise ValueError("need 0 ≤ events ≤ trials for both variants")
        with np.errstate(divide="ignore", invalid="ignore"):
            p_a = np.where(n_a > 0, x_a / n_a, 0.0)
            p_b = np.where(n_b > 0, x_b / n_b, 0.0)
            variance = p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
            ready = (n_a >= self.min_impressions) & (n_b >= self.min_impressions) & (variance > 0)
            v = np.where(ready, variance, 1.0)
        tau2 = self.mixture_sd**2
        difference = p_b - p_a
        log_lr = np.where(
            ready, 0.5 * np.log(v / (v + tau2)) + tau2 * difference**2 / (2 * v * (v + tau2)), 0.0
        )
        half = np.sqrt(v * (v + tau2) / tau2 * (np.log((v + tau2) / v) + 2 * self.threshold))
        return SequentialEvidence(
            difference=difference,
            log_likelihood_ratio=log_lr,
            p_value=np.minimum(1.0, np.exp(-log_lr)),
            low=np.where(ready, np.maximum(-1.0, difference - half), -1.0),
            high=np.where(ready, np.minimum(1.0, difference + half), 1.0),
            significant=log_lr >= self.threshold,
        )
