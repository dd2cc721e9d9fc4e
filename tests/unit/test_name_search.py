"""Artist name search forgives accents, case, punctuation, spacing and typos, and ranks by how
well a name matches, then by listeners."""

from __future__ import annotations

import pytest

from tunedin_api.model.name_search import NameIndex, fold

NAMES = [
    "Radiohead",  # 0
    "Björk",  # 1
    "Brant Bjork",  # 2
    "Sigur Rós",  # 3
    "AC/DC",  # 4
    "Beyoncé",  # 5
    "Lady Gaga",  # 6
    "Metallica",  # 7
    "Hera Björk",  # 8
    "The Beatles",  # 9
]
LISTENERS = [900, 300, 400, 250, 500, 600, 800, 700, 5, 1000]


def _index() -> NameIndex:
    by_popularity = sorted(range(len(NAMES)), key=lambda row: -LISTENERS[row])
    return NameIndex.build(NAMES, by_popularity)


def _search(query: str, limit: int = 10) -> list[str]:
    return [NAMES[row] for row in _index().search(query, limit)]


@pytest.mark.parametrize(
    ("text", "key"),
    [("Björk", "bjork"), ("AC/DC", "acdc"), ("Sigur Rós", "sigurros"), ("  The  Beatles! ", "thebeatles")],
)
def test_fold_drops_accents_case_punctuation_and_spaces(text: str, key: str) -> None:
    assert fold(text) == key


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("bjork", "Björk"),  # exact after folding outranks the more listened Brant Bjork
        ("BJÖRK", "Björk"),
        ("sigur ros", "Sigur Rós"),
        ("sigurros", "Sigur Rós"),
        ("acdc", "AC/DC"),
        ("ac dc", "AC/DC"),
        ("beyonce", "Beyoncé"),
        ("radiohed", "Radiohead"),  # a typo
        ("metalica", "Metallica"),
        ("teh beatles", "The Beatles"),
    ],
)
def test_forgiving_queries_find_the_artist_first(query: str, first: str) -> None:
    assert _search(query)[0] == first


def test_ranking_is_match_quality_then_listeners() -> None:
    # exact, then names that contain the key by listeners (Brant Bjork 400 before Hera Björk 5)
    assert _search("bjork")[:3] == ["Björk", "Brant Bjork", "Hera Björk"]
    assert _search("bjork", 2) == ["Björk", "Brant Bjork"]
    assert _search("radio") == ["Radiohead"]  # a prefix


def test_nothing_close_finds_nothing() -> None:
    assert _search("zzzzqqq") == []
    assert _search("!!!") == [] and _search("") == []
    assert _search("bjork", 0) == []
