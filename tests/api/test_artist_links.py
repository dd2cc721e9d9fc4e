"""Artists' Last.fm pages in every artist the API returns, and a user's play counts in history."""

from __future__ import annotations

import dataclasses

import pandas as pd
from fastapi.testclient import TestClient

from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.loaded import LoadedModel
from tunedin_api.model.result_cache import ResultCache
from tunedin_api.schemas import HistoryOut
from tunedin_api.state import AppState
from tunedin_common.contract import INTERACTIONS_FILE, ArtifactStore

TRAINED_USER = 2


def _model(client: TestClient) -> LoadedModel:
    state: AppState = client.app.state.tunedin  # type: ignore[attr-defined]
    model = state.holder.model
    assert model is not None
    return model


def _items(urls: list[object]) -> pd.DataFrame:
    n = len(urls)
    return pd.DataFrame(
        {
            "artist_id": list(range(1, n + 1)),
            "name": [f"A{i}" for i in range(n)],
            "url": urls,
            "top_tags": [["rock"]] * n,
            "listeners": [1] * n,
        }
    )


def test_the_catalogue_keeps_each_artists_url_and_none_where_it_has_none() -> None:
    catalogue = Catalogue.from_items(_items(["http://www.last.fm/music/A0", "", None]))
    assert catalogue.urls == ["http://www.last.fm/music/A0", None, None]
    assert Catalogue.from_items(_items(["x", "y"]).drop(columns=["url"])).urls == [None, None]


def test_history_lists_the_users_play_count_of_each_top_artist(
    client: TestClient, published: tuple[ArtifactStore, str]
) -> None:
    store = published[0]
    model = _model(client)
    plays = pd.read_parquet(store.dataset_dir(model.manifest.dataset_id) / INTERACTIONS_FILE)
    mine = plays[plays["user_id"] == TRAINED_USER].set_index("artist_id")["weight"]
    body = HistoryOut.model_validate(client.get(f"/v1/users/{TRAINED_USER}/history").json())
    assert body.top_artists
    assert [a.plays for a in body.top_artists] == sorted(mine.tolist(), reverse=True)[: len(body.top_artists)]
    for artist in body.top_artists:
        assert artist.plays == int(mine[artist.artist_id])


def test_recommendations_similar_search_and_history_link_each_artist(client: TestClient) -> None:
    state: AppState = client.app.state.tunedin  # type: ignore[attr-defined]
    model = _model(client)
    items = pd.DataFrame(
        {
            "artist_id": model.catalogue.artist_ids,
            "name": model.catalogue.names,
            "url": [f"http://www.last.fm/music/{n.replace(' ', '+')}" for n in model.catalogue.names],
            "top_tags": model.catalogue.tags,
            "listeners": model.catalogue.listeners,
            "graph_listeners": model.catalogue.fit_listeners,
        }
    )
    # A model of its own result cache, so no list cached before the swap answers for it.
    linked = dataclasses.replace(model, catalogue=Catalogue.from_items(items), results=ResultCache(64))
    state.holder.model = linked
    try:
        first = int(model.catalogue.artist_ids[0])
        page = {int(a): url for a, url in zip(items["artist_id"], items["url"], strict=True)}
        answers = [
            client.get(f"/v1/users/{TRAINED_USER}/recommendations", params={"k": 5}).json()["items"],
            client.get(f"/v1/artists/{first}/similar", params={"k": 5}).json()["items"],
            client.get("/v1/artists", params={"q": "Artist 1"}).json()["items"],
            client.get(f"/v1/users/{TRAINED_USER}/history").json()["top_artists"],
            client.post("/v1/recommendations", json={"artist_ids": [1, 2], "k": 5}).json()["items"],
        ]
        for artists in answers:
            assert artists
            for artist in artists:
                assert artist["url"] == page[artist["artist_id"]], artist
    finally:
        state.holder.model = model


def test_without_urls_in_the_data_the_api_says_none(client: TestClient) -> None:
    items = client.get(f"/v1/users/{TRAINED_USER}/recommendations", params={"k": 3}).json()["items"]
    assert items and all(item["url"] is None for item in items)
