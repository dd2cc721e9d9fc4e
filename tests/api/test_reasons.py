"""The reasons of a list on hand-built models (spread over the user's artists, shared tags,
friends who play the pick), friend counts, and the friend reasons of the served model."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.reasons_support import cited
from tests.support.redis_server import RedisServer
from tunedin_api.model.catalogue import Catalogue
from tunedin_api.model.friends import FriendPlays
from tunedin_api.model.listening import Listening
from tunedin_api.model.loaded import LoadedModel, load_model
from tunedin_api.recommend.reasons import explain, spread_anchors
from tunedin_api.state import AppState
from tunedin_common.contract import DATASET_MANIFEST_FILE, FRIENDS_FILE, ArtifactStore, write_manifest

LISTEN = ["listen to"] * 8
FALLBACK = "close to your taste"


def _model(unit: np.ndarray, names: list[str], tags: list[list[str]] | None = None) -> LoadedModel:
    items = pd.DataFrame(
        {
            "artist_id": np.arange(len(names), dtype=np.int64) + 100,
            "name": names,
            "top_tags": tags or [[] for _ in names],
            "listeners": np.ones(len(names), dtype=np.int64),
        }
    )
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    return cast(
        LoadedModel, SimpleNamespace(item_unit=unit.astype(np.float32), catalogue=Catalogue.from_items(items))
    )


def _one_anchor_closest_to_everything() -> tuple[LoadedModel, np.ndarray, np.ndarray]:
    """Anchors 0–2 point almost the same way, anchor 0 exactly along the picks' mean direction:
    it is the closest anchor of every pick, 1 and 2 within 0.01 of it; anchor 3 is far off."""
    anchors = [[1.0, 0.0, 0.0], [1.0, 0.1, 0.0], [1.0, -0.1, 0.0], [0.0, 1.0, 0.0]]
    picks = [[1.0, 0.0, 0.05 * j] for j in range(1, 10)]
    names = ["Duran Duran", "Spandau Ballet", "ABC", "Slayer"] + [f"pick {j}" for j in range(1, 10)]
    return _model(np.array(anchors + picks), names), np.arange(4, 13), np.arange(4)


def test_one_anchor_closest_to_everything_still_leaves_the_list_citing_several() -> None:
    model, picks, anchors = _one_anchor_closest_to_everything()
    sims = model.item_unit[picks] @ model.item_unit[anchors].T
    assert (sims.argmax(axis=1) == 0).all()  # the old rule cites Duran Duran nine times
    reasons = explain(model, picks, anchors, LISTEN[:4], FALLBACK)
    counts = pd.Series([cited(r) for r in reasons]).value_counts().to_dict()
    assert counts == {"Duran Duran": 3, "Spandau Ballet": 3, "ABC": 3}  # never the far Slayer
    assert reasons[0] == "because you listen to Duran Duran"  # the closest goes first
    assert spread_anchors(sims, spread=0.0) == [0] * 9  # no spread: the closest, every time


def test_spread_prefers_the_least_cited_and_then_the_closest() -> None:
    sims = np.array([[0.9, 0.88, 0.5], [0.9, 0.88, 0.5], [0.9, 0.88, 0.89], [0.5, 0.2, -np.inf]])
    # 1: the closest; 2: 0 was cited, 1 is near; 3: 2 was never cited; 4: only 0 is near.
    assert spread_anchors(sims, spread=0.05) == [0, 1, 2, 0]
    assert spread_anchors(np.full((2, 1), -np.inf)) == [-1, -1]  # the pick itself only
    assert spread_anchors(np.empty((2, 0))) == [-1, -1]


def test_shared_tags_are_named_in_the_picks_order() -> None:
    unit = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    tags = [["New Wave", "synth-pop", "80s"], ["synth-pop", "new wave", "80s", "pop"], ["jazz"], ["metal"]]
    model = _model(unit, ["Duran Duran", "Depeche Mode", "Miles Davis", "Sepultura"], tags)
    reasons = explain(model, np.array([1, 3]), np.array([0, 2]), LISTEN[:2], FALLBACK)
    assert reasons == [
        "because you listen to Duran Duran: both tagged synth-pop and new wave",
        "because you listen to Miles Davis",  # nothing in common
    ]


def test_friends_who_play_the_pick_are_counted_in_the_reason() -> None:
    unit = np.array([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.0, 1.0]])
    tags = [["synth-pop"], ["synth-pop"], ["synth-pop"], [], []]
    model = _model(unit, ["Duran Duran", "Depeche Mode", "Erasure", "Yazoo", "Nobody"], tags)
    picks, anchors = np.array([1, 2, 3, 4]), np.array([0])
    reasons = explain(model, picks, anchors, ["liked"], FALLBACK, np.array([3, 1, 1, 0]))
    assert reasons == [
        "because you liked Duran Duran, and 3 of your friends play Depeche Mode",
        "because you liked Duran Duran: both tagged synth-pop",  # one friend: the tags say more
        "because you liked Duran Duran, and 1 of your friends plays Yazoo",  # no shared tag
        "because you liked Duran Duran",
    ]
    without_anchors = explain(model, picks, np.empty(0, np.int64), [], FALLBACK, np.array([2, 0, 1, 0]))
    assert without_anchors == [
        "2 of your friends play Depeche Mode",
        FALLBACK,
        "1 of your friends plays Yazoo",
        FALLBACK,
    ]
    assert explain(model, picks, anchors, ["liked"], FALLBACK) == [
        "because you liked Duran Duran: both tagged synth-pop",
        "because you liked Duran Duran: both tagged synth-pop",
        "because you liked Duran Duran",
        "because you liked Duran Duran",
    ]


def test_a_pick_never_cites_itself_and_a_repeated_anchor_keeps_its_first_verb() -> None:
    model, _, _ = _one_anchor_closest_to_everything()
    reasons = explain(
        model, np.array([0, 4]), np.array([0, 1, 0]), ["liked", "listen to", "listen to"], FALLBACK
    )
    assert reasons == ["because you listen to Spandau Ballet", "because you liked Duran Duran"]
    assert explain(model, np.array([0]), np.array([0]), ["liked"], FALLBACK) == [FALLBACK]


def test_friend_plays_count_each_friend_who_listens_once() -> None:
    user_row = {10: 0, 11: 1, 12: 2, 13: 3}
    interactions = pd.DataFrame(
        {
            "user_id": [11, 11, 12, 12, 13, 99],
            "artist_id": [1, 2, 2, 3, 4, 1],
            "weight": [5, 4, 3, 2, 1, 1],
        }
    )
    listening = Listening.build(interactions, user_row, {1: 0, 2: 1, 3: 2, 4: 3})
    pairs = pd.DataFrame(
        {
            "user_id": [10, 10, 10, 11, 13, 10],
            "friend_id": [11, 12, 11, 10, 99, 10],  # a duplicate, an unknown user, a self-loop
        }
    )
    plays = FriendPlays.build(pairs, user_row, listening, n_items=4)
    assert plays.friendships == 3
    assert plays.playing(0, np.array([1, 0, 2, 3])).tolist() == [2, 1, 1, 0]
    assert plays.playing(1, np.array([3, 0])).tolist() == [0, 0]  # user 10 listens to nothing
    assert plays.playing(2, np.array([0, 1])).tolist() == [0, 0]  # no friends
    assert plays.playing(3, np.array([0])).tolist() == [0]  # their only friend is not in the model
    assert FriendPlays.none(4).playing(0, np.array([0, 1])).tolist() == [0, 0]


USER = 2  # a trained synthetic user with friends in their taste group


def _friend_counts(store: ArtifactStore, client: TestClient, artist_ids: list[int]) -> list[int]:
    """How many of USER's friends (friends.parquet) listen to each artist, counted by hand."""
    state: AppState = client.app.state.tunedin  # type: ignore[attr-defined]
    model = state.holder.model
    assert model is not None
    pairs = pd.read_parquet(store.dataset_dir(model.manifest.dataset_id) / FRIENDS_FILE)
    mates = pairs.loc[pairs["user_id"] == USER, "friend_id"].tolist()
    played = [set(model.listening.of(model.user_row[f]).tolist()) for f in mates if f in model.user_row]
    return [sum(model.catalogue.row_of[a] in p for p in played) for a in artist_ids]


@pytest.fixture
def flushed_after(redis_server: RedisServer) -> Iterator[None]:
    """The shared Redis without this test's erasure (its set of erased subjects) afterwards."""
    yield
    redis_server.client().flushall()


def test_a_trained_user_hears_of_friends_who_play_a_pick_and_an_erased_one_never(
    client: TestClient, published: tuple[ArtifactStore, str], flushed_after: None
) -> None:
    body = client.get(f"/v1/users/{USER}/recommendations", params={"k": 20}).json()
    assert body["strategy"] == "model"
    items = body["items"]
    counts = _friend_counts(published[0], client, [item["artist_id"] for item in items])
    named = [item for item, n in zip(items, counts, strict=True) if f"{n} of your friends" in item["reason"]]
    assert named, [item["reason"] for item in items]
    for item, n in zip(items, counts, strict=True):
        if "of your friends" in item["reason"]:
            assert n and item["reason"].endswith(
                f", and {n} of your friends {'plays' if n == 1 else 'play'} {item['name']}"
            )
    assert len({cited(item["reason"]) for item in items}) > 1

    assert client.delete(f"/v1/users/{USER}").status_code == 202
    for params in ({"k": 20}, {"k": 50, "diversity": 0, "exclude_listened": "false"}):
        after = client.get(f"/v1/users/{USER}/recommendations", params=params).json()
        assert after["strategy"] == "popular"
        reasons = [item["reason"] for item in after["items"]]
        assert not [r for r in reasons if "of your friends" in r or r.startswith("because you")], reasons


def test_a_model_of_a_dataset_without_friendships_loads_without_friend_reasons(
    own_store: ArtifactStore, published: tuple[ArtifactStore, str]
) -> None:
    model_id = published[1]
    with_friends = load_model(own_store, model_id)
    assert with_friends.friends.friendships > 0
    dataset_id = with_friends.manifest.dataset_id
    directory = own_store.dataset_dir(dataset_id)
    manifest = own_store.read_dataset_manifest(dataset_id)
    files = {name: entry for name, entry in manifest.files.items() if name != FRIENDS_FILE}
    write_manifest(directory / DATASET_MANIFEST_FILE, manifest.model_copy(update={"files": files}))
    (directory / FRIENDS_FILE).unlink()  # as prepared before friendships were a dataset file
    model = load_model(own_store, model_id)
    assert model.friends.friendships == 0
    assert model.friends.playing(model.user_row[USER], np.arange(5)).tolist() == [0] * 5
