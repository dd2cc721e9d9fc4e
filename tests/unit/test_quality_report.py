"""metrics.json's similar-artist and cold-start sections: optional, so older reports still load."""

from __future__ import annotations

import json

from tunedin_common.contract import MetricsReport, RecommenderScores, TrainingReport, utcnow
from tunedin_common.quality_report import (
    ColdStartMethod,
    ColdStartReport,
    ServedColdStart,
    SimilarArtistsReport,
    SimilarCandidate,
)


def _report(**sections: object) -> MetricsReport:
    scores = RecommenderScores(valid={"recall@20": 0.3}, test={"recall@20": 0.29}, test_fitted_on="train")
    training = TrainingReport(
        best_epoch=5, epochs_run=10, stopped_early=True, refit_epochs=0, seconds=1.0,
        seconds_per_epoch=0.1, threads=1, curve=[],
    )  # fmt: skip
    return MetricsReport(
        dataset_id="0123456789abcdef", model_id="20260101T000000Z-0123abcd", created_at=utcnow(),
        k=[10, 20], protocol="p", metric_definitions={}, models={"lightgcn": scores}, training=training,
        **sections,
    )  # fmt: skip


def test_a_report_without_the_sections_still_loads() -> None:
    raw = json.loads(_report().model_dump_json())
    for key in ("similar_artists", "cold_start"):
        raw.pop(key)
    report = MetricsReport.model_validate_json(json.dumps(raw))
    assert report.similar_artists is None and report.cold_start is None


def test_the_sections_round_trip_with_lambda_spelled_out() -> None:
    cosine = SimilarCandidate(measures={"tag_jaccard": 0.3}, baseline={"tag_jaccard": 0.1})
    similar = SimilarArtistsReport(
        protocol="p", measure_definitions={"tag_jaccard": "d"}, k=10, queries=3, min_listeners=10,
        candidates={"embedding_cosine": cosine}, served="embedding_cosine", selection="s",
    )  # fmt: skip
    method = ColdStartMethod(
        method="least_squares", params={"lambda": 3.0, "beta": 0.05}, valid={"1": {"recall@20": 0.2}},
        test={"1": {"recall@20": 0.19}},
    )  # fmt: skip
    cold = ColdStartReport(
        protocol="p", ks=[1], valid_users=5, test_users=5, seed=0, methods={"least_squares": method},
        served=ServedColdStart(method="least_squares", lam=3.0, beta=0.05), selection="s",
    )  # fmt: skip
    text = _report(similar_artists=similar, cold_start=cold).model_dump_json()
    assert json.loads(text)["cold_start"]["served"] == {
        "method": "least_squares",
        "lambda": 3.0,
        "beta": 0.05,
    }
    back = MetricsReport.model_validate_json(text)
    assert back.cold_start == cold and back.similar_artists == similar
