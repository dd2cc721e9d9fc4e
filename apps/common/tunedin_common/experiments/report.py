"""The experiment report ``GET /v1/experiments/current`` serves, built from per-variant counts.

Counts per variant are impressions (recommendations shown) and the plays, likes and skips they
led to, each at most one per impression. Every rate gets a Wilson interval (descriptive, one
look); every rate difference, challenger − champion, gets the always-valid mixture SPRT at α
(``statistics.MixtureSPRT``, default α = 0.05), so the report may be read at any time and
as often as wanted. The decision rests on the primary metric, the play rate, alone; a skip
rate is better when lower. Pass the previous report's p-values as ``previous`` to keep their
running minimum, which is the always-valid p-value over all looks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunedin_common.contract import utcnow
from tunedin_common.experiments.record import Experiment, Variant
from tunedin_common.experiments.statistics import MixtureSPRT, wilson_interval

Metric = Literal["play_rate", "like_rate", "skip_rate"]
PRIMARY_METRIC: Metric = "play_rate"
LOWER_IS_BETTER: frozenset[Metric] = frozenset({"skip_rate"})
Decision = Literal["challenger_better", "champion_better", "no_difference_yet"]
METRICS: tuple[Metric, ...] = ("play_rate", "like_rate", "skip_rate")
_DECISIONS: dict[Variant | None, Decision] = {
    "challenger": "challenger_better",
    "champion": "champion_better",
    None: "no_difference_yet",
}


class VariantCounts(BaseModel):
    """What one variant collected: impressions, and the plays, likes and skips among them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    impressions: int = Field(0, ge=0)
    plays: int = Field(0, ge=0)
    likes: int = Field(0, ge=0)
    skips: int = Field(0, ge=0)

    def events(self, metric: Metric) -> int:
        return {"play_rate": self.plays, "like_rate": self.likes, "skip_rate": self.skips}[metric]

    @model_validator(mode="after")
    def _at_most_one_event_per_impression(self) -> VariantCounts:
        for metric in METRICS:
            if self.events(metric) > self.impressions:
                raise ValueError(f"{metric}: more events than impressions ({self.impressions})")
        return self


class RateEstimate(BaseModel):
    """A rate (events / impressions) with its Wilson interval; rate is None without impressions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: int = Field(ge=0)
    rate: float | None = Field(ge=0, le=1)
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class VariantReport(BaseModel):
    """One variant: its model, its counts and its rates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    variant: Variant
    model_id: str
    impressions: int = Field(ge=0)
    rates: dict[Metric, RateEstimate]


class SequentialTest(BaseModel):
    """The always-valid test of one rate's difference, challenger − champion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Metric
    difference: float = Field(description="Observed challenger rate minus champion rate.")
    relative_lift: float | None = Field(description="difference / champion rate; None at rate 0.")
    low: float = Field(description="Always-valid confidence sequence for the difference, lower end.")
    high: float = Field(description="Upper end.")
    p_value: float = Field(ge=0, le=1, description="Always-valid p-value (running minimum over looks).")
    significant: bool = Field(description="p_value ≤ alpha: the rates differ.")
    better: Variant | None = Field(description="The better variant on this metric, when significant.")


class ExperimentReport(BaseModel):
    """Everything a reader of the experiment needs: the record, both variants, the tests, a decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiment: Experiment
    generated_at: datetime
    method: str
    alpha: float = Field(gt=0, lt=1)
    mixture_sd: float = Field(gt=0)
    min_impressions: int = Field(ge=1)
    primary_metric: Metric
    variants: list[VariantReport]
    tests: dict[Metric, SequentialTest]
    decision: Decision


METHOD = (
    "mixture SPRT for the difference of two Bernoulli rates (normal approximation, N(0, τ²) mixture; "
    "Johari et al., always-valid inference); Wilson intervals for each rate"
)


def _rate(counts: VariantCounts, metric: Metric, alpha: float) -> RateEstimate:
    events = counts.events(metric)
    low, high = wilson_interval(events, counts.impressions, alpha)
    rate = events / counts.impressions if counts.impressions else None
    return RateEstimate(events=events, rate=rate, low=low, high=high)


def _test(
    metric: Metric,
    champion: VariantCounts,
    challenger: VariantCounts,
    sprt: MixtureSPRT,
    previous_p: float | None,
) -> SequentialTest:
    evidence = sprt.evaluate(
        champion.events(metric), champion.impressions, challenger.events(metric), challenger.impressions
    )
    difference = float(evidence.difference)
    p_value = min(float(evidence.p_value), 1.0 if previous_p is None else previous_p)
    significant = p_value <= sprt.alpha
    champion_rate = champion.events(metric) / champion.impressions if champion.impressions else 0.0
    better: Variant | None = None
    if significant and difference != 0:
        challenger_higher = difference > 0
        better = "challenger" if challenger_higher != (metric in LOWER_IS_BETTER) else "champion"
    return SequentialTest(
        metric=metric,
        difference=difference,
        relative_lift=difference / champion_rate if champion_rate > 0 else None,
        low=float(evidence.low),
        high=float(evidence.high),
        p_value=p_value,
        significant=significant,
        better=better,
    )


def experiment_report(
    experiment: Experiment,
    champion: VariantCounts,
    challenger: VariantCounts,
    sprt: MixtureSPRT | None = None,
    previous: ExperimentReport | None = None,
    now: datetime | None = None,
) -> ExperimentReport:
    """The report of ``experiment`` from both variants' counts (see the module doc).

    ``previous``, the last report of the same experiment, carries the running minimum of the
    p-values, so a difference once shown stays shown.
    """
    sprt = sprt or MixtureSPRT()
    if previous is not None and previous.experiment.experiment_id != experiment.experiment_id:
        raise ValueError("the previous report is of another experiment")
    counts: dict[Variant, VariantCounts] = {"champion": champion, "challenger": challenger}
    variants = [
        VariantReport(
            variant=variant,
            model_id=experiment.model_of(variant),
            impressions=c.impressions,
            rates={metric: _rate(c, metric, sprt.alpha) for metric in METRICS},
        )
        for variant, c in counts.items()
    ]
    tests = {
        metric: _test(
            metric,
            champion,
            challenger,
            sprt,
            previous.tests[metric].p_value if previous is not None else None,
        )
        for metric in METRICS
    }
    return ExperimentReport(
        experiment=experiment,
        generated_at=now or utcnow(),
        method=METHOD,
        alpha=sprt.alpha,
        mixture_sd=sprt.mixture_sd,
        min_impressions=sprt.min_impressions,
        primary_metric=PRIMARY_METRIC,
        variants=variants,
        tests=tests,
        decision=_DECISIONS[tests[PRIMARY_METRIC].better],
    )
