"""Bad input answers 4xx with a message that says what is wrong; never 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

BAD_GETS = [
    "/v1/users/abc/recommendations",
    "/v1/users/-1/recommendations",
    "/v1/users/1.5/recommendations",
    "/v1/users/99999999999/recommendations",
    "/v1/users/2/recommendations?k=0",
    "/v1/users/2/recommendations?k=101",
    "/v1/users/2/recommendations?k=ten",
    "/v1/users/2/recommendations?diversity=1.5",
    "/v1/users/2/recommendations?exclude_listened=maybe",
    "/v1/users/-3/history",
    "/v1/artists/abc/similar",
    "/v1/artists/-2/similar",
    "/v1/artists/5/similar?k=500",
    "/v1/artists?q=",
    "/v1/artists?q=a&limit=0",
    "/v1/artists",
]


@pytest.mark.parametrize("path", BAD_GETS)
def test_bad_query_and_path_values_are_422(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail and all(entry["loc"] and entry["msg"] for entry in detail)


BAD_BODIES = [
    ("/v1/recommendations", {"artist_ids": [1], "k": 5, "extra": 1}, "extra"),
    ("/v1/recommendations", {"artist_ids": []}, "artist_ids"),
    ("/v1/recommendations", {"artist_ids": ["1"]}, "artist_ids"),
    ("/v1/recommendations", {"artist_ids": [1.5]}, "artist_ids"),
    ("/v1/recommendations", {"artist_ids": [-1]}, "artist_ids"),
    ("/v1/recommendations", {"artist_ids": [1], "k": 0}, "k"),
    ("/v1/recommendations", {"artist_ids": [1], "k": 101}, "k"),
    ("/v1/recommendations", {"k": 5}, "artist_ids"),
    ("/v1/feedback", {"user_id": 1, "artist_id": 1, "event": "love"}, "event"),
    ("/v1/feedback", {"user_id": -5, "artist_id": 1, "event": "play"}, "user_id"),
    ("/v1/feedback", {"user_id": "x", "artist_id": 1, "event": "play"}, "user_id"),
    ("/v1/feedback", {"user_id": 1, "artist_id": 1, "event": "play", "mood": "happy"}, "mood"),
    ("/v1/feedback", {"user_id": 1, "event": "play"}, "artist_id"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_BODIES)
def test_bad_bodies_are_422_naming_the_field(client: TestClient, path: str, body: object, field: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert any(field in entry["loc"] for entry in response.json()["detail"])


def test_unknown_artist_ids_are_422_naming_them(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"artist_ids": [1, 99999, 88888]})
    assert response.status_code == 422
    assert response.json()["detail"] == "unknown artist ids: 99999, 88888"
    feedback = client.post("/v1/feedback", json={"user_id": 2, "artist_id": 77777, "event": "like"})
    assert feedback.status_code == 422 and "77777" in feedback.json()["detail"]


@pytest.mark.parametrize("raw", [b"{not json", b'{"artist_ids": [1,', b"[1, 2]", b"null"])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/recommendations", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/recommendations", "/v1/feedback"])
def test_a_body_that_is_not_utf8_is_422_too(client: TestClient, path: str) -> None:
    # FastAPI answers undecodable bytes with an undocumented 400; the API keeps to its 422
    raw = b"a\xff dEr\xa9\x0fw\xc3"
    response = client.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"detail": "the request body is not valid JSON: it is not UTF-8 text"}


def test_oversize_bodies_are_413_with_or_without_content_length(client: TestClient) -> None:
    big = b'{"artist_ids": [' + b"1, " * 10_000 + b"1]}"
    response = client.post("/v1/recommendations", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'{"artist_ids": ['
        for _ in range(100):
            yield b"1, " * 100
        yield b"1]}"

    streamed = client.post(
        "/v1/recommendations", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_unknown_paths_are_404_json(client: TestClient) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404 and response.json()["detail"]
