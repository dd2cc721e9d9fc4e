"""A trained user erased through the API, on the real Last.fm data and the real stack.

The pipeline's CLIs train user 2 into a served model; a real ``redis-server`` and gunicorn with
two workers (``bench.reliability.ApiStack``) serve it with the pipeline's pseudonym key. User 2
gets model recommendations citing their artists and sends feedback; then ``DELETE
/v1/users/2``: from its answer on, every worker serves them as a newcomer, also after an API
restart and a Redis flush. The pipeline runs again, the API swaps to the model trained without
them, and the receipt, the batch ledger and ``jobs.erasures status`` say the erasure is complete
(the dataset, the rollback model and the downloaded archive that held them removed). Then a
scan of every file under the artifact store and of every Redis key and value
(``tests.erasure_support``) finds nothing keyed to them, apart from their keyed subject in the
set of erased users, which is the suppression list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import redis

from tests.conftest import ARCHIVE_NAME
from tests.erasure_support import (
    KEY,
    findings,
    pipeline_env,
    redis_findings,
    redis_types,
    run_pipeline,
    scanned_kinds,
)
from tests.prepare_support import http_server
from tests.reasons_support import cited
from tests.support.api_stack import ApiStack
from tests.support.jobs import run_job_ok
from tests.support.polling import wait_until
from tests.support.redis_server import RedisServer
from tunedin_api.store.keys import ERASED_SET, FEEDBACK_STREAM, RATE_LIMIT_PREFIX
from tunedin_common import contract
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger, subject_of
from tunedin_trainer.settings import OFFICIAL_SHA256

pytestmark = pytest.mark.slow

USER = 2
OTHER = 3  # another trained user, whose data must stay (and which the scans must see)
LOOKS = 20  # requests per check, so that both gunicorn workers answer some
N_USERS = 1892
N_INTERACTIONS = 92834
USER_2_ARTISTS = 50  # user 2's rows in user_artists.dat
STEPS = ("suppressed", "caches_purged", "removed_from_datasets", "retrained", "removed_from_models")
LISTEN = "because you listen to "
# The requests the test makes about user 2 after the erasure (served as a newcomer's) count
# against a per-user rate-limit counter; a one-second window lets it expire before the last scan.
USER_LIMIT = "1000000/second"


def _call(stack: ApiStack, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """One request on a fresh connection (so that either worker may take it)."""
    return httpx.request(method, f"{stack.base}{path}", headers=stack.headers, json=body, timeout=30)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


def _recommendations(stack: ApiStack, user_id: int) -> dict[str, Any]:
    body: dict[str, Any] = _ok(_call(stack, "GET", f"/v1/users/{user_id}/recommendations"))
    return body


def _strategies(stack: ApiStack, user_id: int) -> set[str]:
    return {_recommendations(stack, user_id)["strategy"] for _ in range(LOOKS)}


def _history(stack: ApiStack, user_id: int) -> dict[str, Any]:
    body: dict[str, Any] = _ok(_call(stack, "GET", f"/v1/users/{user_id}/history"))
    return body


def _feedback(stack: ApiStack, user_id: int, artist_id: int, event: str) -> None:
    _ok(
        _call(stack, "POST", "/v1/feedback", {"user_id": user_id, "artist_id": artist_id, "event": event}),
        202,
    )


def _served_model(stack: ApiStack) -> str:
    model_id: str = _ok(_call(stack, "GET", "/v1/model"))["model_id"]
    return model_id


def _listened_names(store: ArtifactStore, user_id: int) -> set[str]:
    """The names of the artists ``user_id`` listened to, from the served model's dataset."""
    dataset = store.dataset_dir(store.require_servable(store.read_current() or "").dataset_id)
    plays = pd.read_parquet(dataset / contract.INTERACTIONS_FILE, columns=["user_id", "artist_id"])
    artists = pd.read_parquet(dataset / contract.ARTISTS_FILE, columns=["artist_id", "name"])
    theirs = set(plays.loc[plays["user_id"] == user_id, "artist_id"])
    return set(artists.loc[artists["artist_id"].isin(theirs), "name"])


def _steps(receipt: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in receipt["steps"]}


def _served_as_newcomer(stack: ApiStack, user_id: int, strategies: set[str]) -> None:
    """Every answer about ``user_id`` is a newcomer's: none from the model, no most played artists."""
    assert _strategies(stack, user_id) <= strategies
    for _ in range(LOOKS // 4):
        assert _history(stack, user_id)["top_artists"] == []


def _user_counters(client: redis.Redis, user_id: int) -> list[bytes]:
    return list(client.scan_iter(match=f"{RATE_LIMIT_PREFIX}:*/user/{user_id}/*"))


def _trained_without_the_user(store: ArtifactStore, served: str, first_dataset: str | None) -> None:
    """The served model and its dataset lack the user; nothing older with them is left."""
    manifest = store.require_servable(served)
    assert manifest.n_users == N_USERS - 1
    users = pd.read_parquet(store.model_dir(served) / contract.MODEL_USERS_FILE)
    assert USER not in set(users["user_id"]) and len(users) == manifest.n_users
    dataset = store.read_dataset_manifest(manifest.dataset_id)
    assert manifest.dataset_id == store.read_latest_dataset() != first_dataset
    assert dataset.counts["erased_users_excluded"] == 1
    assert dataset.counts["interactions"] == N_INTERACTIONS - USER_2_ARTISTS
    assert store.complete_dataset_ids() == [manifest.dataset_id]
    assert store.model_ids() == [served]


def _ledger_complete(
    store: ArtifactStore, env: dict[str, str], erasure_id: str, first_model: str, first_dataset: str | None
) -> None:
    """The batch pipeline's record of the erasure, and ``jobs.erasures status``, say complete."""
    ledger = ErasureLedger(store.root)
    assert ledger.pending() == []
    progress = ledger.progress(erasure_id)
    assert progress is not None and progress.complete and progress.waiting_for is None
    assert progress.retrained_model_id == store.read_current()
    assert progress.models_removed == [first_model]
    assert progress.datasets_removed == [first_dataset]
    assert f"{contract.CACHE_DIR}/{OFFICIAL_SHA256}.zip" in progress.other_files_removed
    status = run_job_ok("erasures", env, "status")
    [row] = [line for line in status.splitlines() if line.startswith(erasure_id)]
    assert row.split()[-1] == "complete" and "pending" not in row


def test_a_user_deleted_through_the_api_is_gone_from_the_store_and_redis(
    tmp_path: Path, shared_data_dir: Path
) -> None:
    root = tmp_path / "artifacts"
    redis_server = RedisServer()
    stack = ApiStack(
        root,
        redis_server.url,
        tmp_path / "api",
        TUNEDIN_PSEUDONYM_KEY=KEY.decode(),
        TUNEDIN_RATE_LIMIT_USER=USER_LIMIT,
    )
    subject = subject_of(KEY, USER)
    with http_server(shared_data_dir) as server:
        env = pipeline_env(root, server.url(ARCHIVE_NAME), OFFICIAL_SHA256)
        run_pipeline(env)
        store = ArtifactStore(root)
        first_model = store.read_current()
        assert first_model is not None
        first_dataset = store.read_latest_dataset()
        their_artists = _listened_names(store, USER)
        assert len(their_artists) == USER_2_ARTISTS
        held_in_store = findings(root, USER)  # the scan sees them where the pipeline put them
        places = {f.split("/")[0] for f in held_in_store}
        assert places == {contract.DATASETS_DIR, contract.MODELS_DIR, contract.CACHE_DIR}, held_in_store
        assert any(f"{first_model}/{contract.MODEL_USERS_FILE}" in f for f in held_in_store)
        try:
            redis_server.start()
            client = redis_server.client()
            stack.start()

            # Before: a trained user, served from the model, with feedback in Redis.
            before = _recommendations(stack, USER)
            assert before["strategy"] == "model" and before["model_id"] == first_model
            cited_artists = {cited(item["reason"]) for item in before["items"]}
            assert all(item["reason"].startswith(LISTEN) for item in before["items"])
            assert cited_artists and cited_artists <= their_artists, cited_artists - their_artists
            assert _strategies(stack, USER) == {"model"}  # each worker caches their embedding
            top = _history(stack, USER)["top_artists"]
            assert top and {artist["name"] for artist in top} <= their_artists
            picks = [item["artist_id"] for item in before["items"][:2]]
            for artist_id, event in zip(picks, ("like", "play"), strict=True):
                _feedback(stack, USER, artist_id, event)
                _feedback(stack, OTHER, artist_id, event)
            assert len(_history(stack, USER)["events"]) == 2
            held = redis_findings(client, USER)
            assert any(f.startswith(f"tunedin:user:{USER}:history") for f in held), held
            assert any(f.startswith(f"tunedin:user:{USER}:emb:{first_model}") for f in held), held
            assert any(f.startswith(f"{FEEDBACK_STREAM} (stream): the user's pseudonym") for f in held), held
            assert any(f.startswith(f"{RATE_LIMIT_PREFIX}:") for f in held), held

            # The erasure: recorded, suppressed and purged when the DELETE answers.
            deleted = _call(stack, "DELETE", f"/v1/users/{USER}")
            receipt = _ok(deleted, 202)
            location = deleted.headers["location"]
            assert location == f"/v1/erasures/{receipt['erasure_id']}"
            assert receipt["status"] == "in_progress" and receipt["user_id"] == USER
            assert _steps(receipt) == {
                "suppressed": "done",
                "caches_purged": "done",
                "removed_from_datasets": "pending",
                "retrained": "pending",
                "removed_from_models": "pending",
            }
            assert receipt["removed"]["history_events"] == 2
            assert receipt["removed"]["feedback_log_entries"] == 2
            assert receipt["removed"]["cached_embeddings"] == 1
            assert redis_findings(client, USER) == []
            assert client.sismember(ERASED_SET, subject)
            assert redis_findings(client, OTHER) != []  # the other user's data stays, and is seen
            _served_as_newcomer(stack, USER, {"popular"})
            assert _history(stack, USER)["events"] == []
            assert _ok(_call(stack, "GET", location))["status"] == "in_progress"

            # Still suppressed after a restart of the API, and after Redis loses everything.
            stack.stop()
            stack.start()
            _served_as_newcomer(stack, USER, {"popular"})
            client.flushall()
            _served_as_newcomer(stack, USER, {"popular"})
            wait_until(
                lambda: client.sismember(ERASED_SET, subject), timeout=30, what="the erased set re-seeded"
            )
            _served_as_newcomer(stack, USER, {"popular"})
            _feedback(stack, OTHER, picks[0], "like")  # the feedback stream holds someone again

            # The pipeline completes the erasure; the API swaps to the model trained without them.
            run_pipeline(env)
            second_model = store.read_current()
            assert second_model is not None and second_model != first_model
            wait_until(lambda: _served_model(stack) == second_model, timeout=60, what="the hot swap")
            model = _ok(_call(stack, "GET", "/v1/model"))
            assert model["n_users"] == N_USERS - 1
            done = _ok(_call(stack, "GET", location))
            assert done["status"] == "complete" and done["waiting_for"] is None
            assert done["completed_at"] is not None
            assert _steps(done) == dict.fromkeys(STEPS, "done")
            _served_as_newcomer(stack, USER, {"popular", "history"})
            assert _recommendations(stack, USER)["model_id"] == second_model
            _trained_without_the_user(store, second_model, first_dataset)
            _ledger_complete(store, env, receipt["erasure_id"], first_model, first_dataset)
            assert _recommendations(stack, OTHER)["strategy"] == "model"  # the new model serves others

            # Nothing keyed to the user, in the store or in Redis.
            wait_until(lambda: not _user_counters(client, USER), timeout=15, what="the newcomer's counters")
            assert findings(root, USER) == []
            assert {".parquet", ".npy", ".json", ".faiss", contract.CURRENT_FILE} <= scanned_kinds(root)
            assert redis_findings(client, USER) == []
            kinds = redis_types(client)
            assert kinds[FEEDBACK_STREAM] == "stream" and kinds[ERASED_SET] == "set"
            assert kinds[f"tunedin:user:{OTHER}:history"] == "list"
            assert client.sismember(ERASED_SET, subject)  # the suppression list, by design
            assert any(FEEDBACK_STREAM in f for f in redis_findings(client, OTHER))
        finally:
            stack.stop()
            redis_server.stop()
