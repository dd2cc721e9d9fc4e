"""Similar artists by cosine with a reason per row, and the cold-start fold-in the report names,
on hand-built models and through the API."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from tests.api.test_endpoints import TRAINED_USER
from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.fans import Fans
from tunedin_api.model.listening import Listening
from tunedin_api.model.loaded import LoadedModel
from tunedin_api.recommend.cold_start import fold_in_scores, served_method
from tunedin_api.recommend.similar import similar_rows, top_rows
from tunedin_api.recommend.similar_reasons import similar_reasons
from tunedin_api.schemas import SimilarOut
from tunedin_common.fold_in import least_squares_vector
from tunedin_common.quality_report import ServedColdStart

NAMES = ["Query", "Popular", "Twin", "Far", "Cousin"]


def _hand_model(cold_start: ServedColdStart | None = None) -> LoadedModel:
    """``Popular`` has a huge norm (inner product with ``Query``: 7.1) but points elsewhere
    (cosine 0.71); ``Twin`` is small (inner product 0.47) and points the same way (cosine 0.95)."""
    items = np.array([[1.0, 0.0], [7.07, 7.07], [0.475, 0.156], [0.0, 1.0], [0.8, 0.45]], dtype=np.float32)
    unit = items / np.linalg.norm(items, axis=1, keepdims=True)
    catalogue = Catalogue.from_items(
        pd.DataFrame(
            {
                "artist_id": np.arange(5, dtype=np.int64) + 10,
                "name": NAMES,
                "top_tags": [["ambient", "new age"], ["pop"], ["new age", "celtic"], [], ["Ambient"]],
                "listeners": np.array([4, 50, 2, 1, 1], dtype=np.int64),
                "graph_listeners": np.array([3, 40, 2, 1, 1], dtype=np.int64),
            }
        )
    )
    # user rows 0..3: Query's listeners are users 0, 1, 2; Twin shares users 0 and 1,
    # Popular shares user 2; Far and Cousin share nobody with Query.
    interactions = pd.DataFrame(
        {
            "user_id": [0, 0, 1, 1, 2, 2, 3, 3, 4],
            "artist_id": [10, 12, 10, 12, 10, 11, 11, 13, 14],
            "weight": [5, 4, 3, 2, 1, 9, 9, 1, 1],
        }
    )
    listening = Listening.build(interactions, {u: u for u in range(5)}, catalogue.row_of)
    report = SimpleNamespace(cold_start=SimpleNamespace(served=cold_start) if cold_start else None)
    return cast(
        LoadedModel,
        SimpleNamespace(
            item_embeddings=items,
            item_unit=unit.astype(np.float32),
            catalogue=catalogue,
            listening=listening,
            fans=Fans.build(listening, len(NAMES)),
            report=report,
        ),
    )


def test_similar_ranks_by_direction_not_by_norm() -> None:
    model = _hand_model()
    inner = model.item_embeddings @ model.item_embeddings[0]
    assert int(inner[1:].argmax()) == 0  # by inner product Popular (row 1) would come first
    rows, scores = similar_rows(model, 0, 4)
    assert [NAMES[r] for r in rows] == ["Twin", "Cousin", "Popular", "Far"]
    assert ((scores >= 0) & (scores <= 1)).all() and scores.tolist() == sorted(scores.tolist(), reverse=True)
    assert scores[-1] == 0.0  # Far is orthogonal: cosine 0, never negative


def test_similar_reasons_say_what_each_row_shares() -> None:
    model = _hand_model()
    rows, _ = similar_rows(model, 0, 4)
    reasons = similar_reasons(model, 0, rows)
    assert reasons == [
        "2 of Query's 3 listeners also listen to Twin; both tagged new age",
        "Cousin and Query are both tagged ambient",
        "1 of Query's 3 listeners also listen to Popular",
        "Far is heard with Popular, close to Query",
    ]
    assert len(set(reasons)) == len(reasons)


def test_fans_are_the_transpose_of_listening() -> None:
    model = _hand_model()
    assert model.fans.of(0).tolist() == [0, 1, 2] and model.fans.of(1).tolist() == [2, 3]
    assert model.fans.shared(0, np.array([1, 2, 3, 4])).tolist() == [1, 2, 0, 0]
    assert model.fans.count(4) == 1


def test_cold_start_serves_the_method_the_report_names() -> None:
    seeds = np.array([0, 3])
    plain = _hand_model()
    assert served_method(plain).method == "mean"
    assert np.allclose(
        fold_in_scores(plain, seeds), plain.item_embeddings @ plain.item_embeddings[seeds].mean(0)
    )

    served = ServedColdStart(method="least_squares", lam=1.0, beta=1.0)
    model = _hand_model(served)
    expected = model.item_embeddings @ least_squares_vector(model.item_embeddings, seeds, 1.0)
    expected = np.where(expected > 0, expected / (1.0 + np.array([3, 40, 2, 1, 1])), expected)
    assert np.allclose(fold_in_scores(model, seeds), expected, atol=1e-6)
    # u = (½, ½): Popular scores 7.07 / 41, Cousin 0.625 / 2 with the training graph's listeners.
    order = top_rows(fold_in_scores(model, seeds), 5).tolist()
    assert order.index(4) < order.index(1)
    # A method the models carry no file for is never served.
    assert served_method(_hand_model(ServedColdStart(method="colisten"))).method == "mean"


def test_similar_through_the_api_scores_zero_to_one_with_distinct_reasons(client: TestClient) -> None:
    for artist_id in (5, 17, 33):
        body = SimilarOut.model_validate(
            client.get(f"/v1/artists/{artist_id}/similar", params={"k": 10}).json()
        )
        scores = [item.score for item in body.items]
        assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
        reasons = [item.reason for item in body.items]
        assert len(set(reasons)) == len(reasons) == 10
        assert artist_id not in {item.artist_id for item in body.items}


def test_cold_start_through_the_api_names_several_seeds(client: TestClient) -> None:
    body = client.post("/v1/recommendations", json={"artist_ids": [1, 2, 30, 60], "k": 10}).json()
    seeds_named = {item["reason"].split(":")[0].split(",")[0] for item in body["items"]}
    assert len(seeds_named) >= 2, body["items"]
    assert client.get(f"/v1/users/{TRAINED_USER}/recommendations").status_code == 200
