"""Every read endpoint on a real model: shapes, strategies, filters, the plain model ranking."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from tests.reasons_support import cited
from tunedin_api.schemas import (
    ArtistSearchOut,
    ColdStartOut,
    HistoryOut,
    ModelOut,
    ReadyOut,
    RecommendationsOut,
    SimilarOut,
)
from tunedin_api.state import AppState
from tunedin_common.contract import METRICS_FILE, ArtifactStore, MetricsReport

TRAINED_USER = 2  # synthetic users are 2, 5, 8, …


def _state(client: TestClient) -> AppState:
    state: AppState = client.app.state.tunedin  # type: ignore[attr-defined]
    return state


def test_a_trained_user_gets_model_recommendations_with_reasons(
    client: TestClient, published: tuple[ArtifactStore, str]
) -> None:
    response = client.get(f"/v1/users/{TRAINED_USER}/recommendations", params={"k": 10})
    assert response.status_code == 200
    body = RecommendationsOut.model_validate(response.json())
    assert body.strategy == "model" and body.model_id == published[1] and body.user_id == TRAINED_USER
    assert len(body.items) == 10
    assert len({item.artist_id for item in body.items}) == 10
    model = _state(client).holder.model
    assert model is not None
    listened = {int(model.catalogue.artist_ids[r]) for r in model.listening.of(model.user_row[TRAINED_USER])}
    assert not listened & {item.artist_id for item in body.items}
    names = {model.catalogue.names[model.catalogue.row_of[a]] for a in listened}
    for item in body.items:
        assert cited(item.reason) in names, item.reason


def test_diversity_zero_is_the_plain_model_ranking(client: TestClient) -> None:
    model = _state(client).holder.model
    assert model is not None
    row = model.user_row[TRAINED_USER]
    _, rows = model.index.search(model.user_embeddings[row], model.manifest.n_items)
    listened = set(model.listening.of(row).tolist())
    expected = [int(model.catalogue.artist_ids[r]) for r in rows[0] if r >= 0 and r not in listened][:15]
    plain = client.get(f"/v1/users/{TRAINED_USER}/recommendations", params={"k": 15, "diversity": 0}).json()
    assert [item["artist_id"] for item in plain["items"]] == expected
    scores_out = [item["score"] for item in plain["items"]]
    assert scores_out == sorted(scores_out, reverse=True)
    diverse = client.get(
        f"/v1/users/{TRAINED_USER}/recommendations", params={"k": 15, "diversity": 0.9}
    ).json()
    assert [i["artist_id"] for i in diverse["items"]] != expected


def test_exclude_listened_false_and_tag_filter(client: TestClient) -> None:
    model = _state(client).holder.model
    assert model is not None
    listened = {int(model.catalogue.artist_ids[r]) for r in model.listening.of(model.user_row[TRAINED_USER])}
    body = client.get(
        f"/v1/users/{TRAINED_USER}/recommendations",
        params={"k": 30, "exclude_listened": "false", "diversity": 0},
    ).json()
    assert listened & {item["artist_id"] for item in body["items"]}
    tagged = client.get(
        f"/v1/users/{TRAINED_USER}/recommendations", params={"tags": "tag1,TAG2", "k": 50}
    ).json()
    assert tagged["items"]
    assert all({"tag1", "tag2"} & set(item["tags"]) for item in tagged["items"])
    none = client.get(f"/v1/users/{TRAINED_USER}/recommendations", params={"tags": "no-such-tag"}).json()
    assert none["items"] == []


def test_an_unseen_user_gets_popular_artists(client: TestClient) -> None:
    body = RecommendationsOut.model_validate(
        client.get("/v1/users/999999/recommendations?k=5&diversity=0").json()
    )
    assert body.strategy == "popular"
    model = _state(client).holder.model
    assert model is not None
    expected = [int(model.catalogue.artist_ids[r]) for r in model.catalogue.by_popularity[:5]]
    assert [item.artist_id for item in body.items] == expected
    assert all(item.reason == "popular with listeners" for item in body.items)


def test_a_user_known_from_feedback_gets_history_recommendations(client: TestClient) -> None:
    for artist in (1, 2, 3):
        assert (
            client.post(
                "/v1/feedback", json={"user_id": 777777, "artist_id": artist, "event": "like"}
            ).status_code
            == 202
        )
    body = client.get("/v1/users/777777/recommendations", params={"k": 8}).json()
    assert body["strategy"] == "history"
    ids = {item["artist_id"] for item in body["items"]}
    assert len(ids) == 8 and not ids & {1, 2, 3}
    assert all(item["reason"].startswith("because you liked Artist ") for item in body["items"])


def test_cold_start_from_liked_artists(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"artist_ids": [1, 2, 3], "k": 7})
    assert response.status_code == 200
    body = ColdStartOut.model_validate(response.json())
    assert body.strategy == "fold_in" and len(body.items) == 7
    assert not {1, 2, 3} & {item.artist_id for item in body.items}
    assert all(item.reason.startswith("because you like Artist ") for item in body.items)


def test_similar_artists_and_name_search(client: TestClient) -> None:
    body = SimilarOut.model_validate(client.get("/v1/artists/5/similar", params={"k": 6}).json())
    assert body.artist_id == 5 and len(body.items) == 6 and 5 not in {i.artist_id for i in body.items}
    scores = [item.score for item in body.items]
    assert scores == sorted(scores, reverse=True)
    assert client.get("/v1/artists/999999/similar").status_code == 404

    found = ArtistSearchOut.model_validate(
        client.get("/v1/artists", params={"q": "artist 1", "limit": 5}).json()
    )
    assert len(found.items) == 5 and all("artist 1" in item.name.lower() for item in found.items)
    assert found.items[0].name.lower().startswith("artist 1")
    assert client.get("/v1/artists", params={"q": "zzz-none"}).json()["items"] == []


def test_history_model_health_ready_and_docs(
    client: TestClient, published: tuple[ArtifactStore, str]
) -> None:
    client.post("/v1/feedback", json={"user_id": TRAINED_USER, "artist_id": 4, "event": "play"})
    history = HistoryOut.model_validate(client.get(f"/v1/users/{TRAINED_USER}/history").json())
    assert [(e.artist_id, e.event, e.name) for e in history.events] == [(4, "play", "Artist 4")]
    assert history.complete and len(history.top_artists) == 10

    info = ModelOut.model_validate(client.get("/v1/model").json())
    manifest = published[0].require_servable(published[1])
    assert info.model_id == published[1] and info.n_items == manifest.n_items
    assert info.metrics == manifest.headline_metrics and info.index["type"] in {"hnsw", "flat"}
    # The whole metrics.json, as the trainer wrote it: baselines and the training curve too.
    store, model_id = published
    written = MetricsReport.model_validate_json((store.model_dir(model_id) / METRICS_FILE).read_bytes())
    assert info.report == written
    assert {"lightgcn", "most_popular", "ease"} <= set(info.report.models)
    assert "valid_recall@20" in client.get("/v1/model").json()["report"]["training"]["curve"][0]

    assert client.get("/healthz").json() == {"status": "ok"}
    ready = ReadyOut.model_validate(client.get("/readyz").json())
    assert ready.ready and ready.model_id == published[1] and ready.details["redis"] == "up"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/users/{user_id}/recommendations", "/v1/recommendations", "/v1/feedback", "/v1/model"} <= set(
        paths
    )


def test_scores_are_finite_numbers(client: TestClient) -> None:
    items = client.get(f"/v1/users/{TRAINED_USER}/recommendations").json()["items"]
    assert np.isfinite([item["score"] for item in items]).all()
