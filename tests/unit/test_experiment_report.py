"""The report GET /v1/experiments/current serves: rates, tests, the decision and its memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tunedin_common.experiments.record import Experiment
from tunedin_common.experiments.report import ExperimentReport, VariantCounts, experiment_report
from tunedin_common.experiments.statistics import wilson_interval

EXPERIMENT = Experiment(
    experiment_id="ex-20260101T000000Z-0123abcd",
    champion="20260101T000000Z-00000001",
    challenger="20260102T000000Z-00000002",
    share=0.2,
    started_at=datetime(2026, 1, 1, tzinfo=UTC),
)
NOW = datetime(2026, 1, 2, tzinfo=UTC)


def test_a_clearly_better_challenger_wins_and_its_numbers_are_reported() -> None:
    champion = VariantCounts(impressions=40_000, plays=12_000, likes=1_800, skips=11_000)
    challenger = VariantCounts(impressions=10_000, plays=3_600, likes=560, skips=2_300)
    report = experiment_report(EXPERIMENT, champion, challenger, now=NOW)

    assert report.decision == "challenger_better"
    assert report.alpha == 0.05 and "mixture SPRT" in report.method
    by_variant = {v.variant: v for v in report.variants}
    assert by_variant["challenger"].model_id == EXPERIMENT.challenger
    play = by_variant["champion"].rates["play_rate"]
    assert play.rate == pytest.approx(0.3)
    assert (play.low, play.high) == pytest.approx(wilson_interval(12_000, 40_000))
    test = report.tests["play_rate"]
    assert test.difference == pytest.approx(0.06)
    assert test.relative_lift == pytest.approx(0.2)
    assert test.low < 0.06 < test.high and test.low > 0
    assert test.significant and test.better == "challenger"
    # Fewer skips is better: the challenger skips 23% against 27.5%.
    assert report.tests["skip_rate"].better == "challenger"
    assert ExperimentReport.model_validate_json(report.model_dump_json()) == report


def test_equal_variants_show_no_difference_and_a_worse_challenger_loses() -> None:
    same = experiment_report(
        EXPERIMENT,
        VariantCounts(impressions=40_000, plays=12_000),
        VariantCounts(impressions=10_000, plays=3_010),
        now=NOW,
    )
    assert same.decision == "no_difference_yet"
    assert not same.tests["play_rate"].significant and same.tests["play_rate"].better is None
    worse = experiment_report(
        EXPERIMENT,
        VariantCounts(impressions=40_000, plays=12_000),
        VariantCounts(impressions=10_000, plays=2_400),
        now=NOW,
    )
    assert worse.decision == "champion_better"


def test_nothing_collected_yet() -> None:
    report = experiment_report(EXPERIMENT, VariantCounts(), VariantCounts(), now=NOW)
    assert report.decision == "no_difference_yet"
    assert all(v.rates["play_rate"].rate is None for v in report.variants)
    assert report.tests["play_rate"].p_value == 1.0
    assert report.tests["play_rate"].relative_lift is None


def test_the_previous_report_keeps_the_running_minimum_of_the_p_value() -> None:
    strong = experiment_report(
        EXPERIMENT,
        VariantCounts(impressions=40_000, plays=12_000),
        VariantCounts(impressions=10_000, plays=3_600),
        now=NOW,
    )
    weaker_now = (
        VariantCounts(impressions=80_000, plays=24_000),
        VariantCounts(impressions=20_000, plays=6_300),
    )
    alone = experiment_report(EXPERIMENT, *weaker_now, now=NOW)
    remembered = experiment_report(EXPERIMENT, *weaker_now, previous=strong, now=NOW)
    assert alone.tests["play_rate"].p_value > strong.tests["play_rate"].p_value
    assert remembered.tests["play_rate"].p_value == strong.tests["play_rate"].p_value
    other = EXPERIMENT.model_copy(update={"experiment_id": "ex-20260101T000000Z-ffffffff"})
    with pytest.raises(ValueError, match="another experiment"):
        experiment_report(other, *weaker_now, previous=strong)


def test_counts_allow_at_most_one_event_per_impression() -> None:
    with pytest.raises(ValidationError, match="more events than impressions"):
        VariantCounts(impressions=10, plays=11)
    with pytest.raises(ValidationError):
        VariantCounts(impressions=-1)
