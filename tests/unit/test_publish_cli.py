"""publish through its real CLI: the pipeline's last two stages, refusals, --force, --keep."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import ModelSize, error_lines, make_model
from tests.support.jobs import job_env, run_job
from tunedin_common.contract import INDEX_FILE, ArtifactStore, utcnow

SMALL: ModelSize = {"n_items": 500, "n_users": 60, "dim": 16}


def test_build_then_publish_then_refuse_a_corrupt_index(store: ArtifactStore) -> None:
    start = utcnow() - timedelta(hours=3)
    first = make_model(store, created_at=start, metrics={"recall@20": 0.2}, **SMALL)
    assert run_job("build_index", job_env(store.root)).returncode == 0
    published = run_job("publish", job_env(store.root))
    assert published.returncode == 0, published.stderr
    assert store.read_current() == first
    assert "CURRENT: nothing → " + first in published.stderr

    second = make_model(store, created_at=start + timedelta(hours=1), metrics={"recall@20": 0.2}, **SMALL)
    assert run_job("build_index", job_env(store.root)).returncode == 0
    index = store.model_dir(second) / INDEX_FILE
    data = bytearray(index.read_bytes())
    data[100:104] = b"\x00\xff\x00\xff"
    index.write_bytes(bytes(data))

    refused = run_job("publish", job_env(store.root))

    assert refused.returncode == 1
    assert error_lines(refused) == [
        f"error: publish failed: model {second} is corrupt: {store.model_dir(second)}: "
        f"{INDEX_FILE} fails its sha256 check"
    ]
    assert store.read_current() == first


def test_worse_model_is_refused_until_forced_and_keep_prunes(store: ArtifactStore) -> None:
    start = utcnow() - timedelta(hours=5)
    ids = [
        make_model(store, created_at=start + timedelta(hours=i), metrics={"recall@20": r}, **SMALL)
        for i, r in enumerate([0.1, 0.1, 0.3, 0.2])
    ]
    for model_id in ids[2:]:
        assert run_job("build_index", job_env(store.root), "--model-id", model_id).returncode == 0
    assert run_job("publish", job_env(store.root), "--model-id", ids[2]).returncode == 0

    refused = run_job("publish", job_env(store.root))
    assert refused.returncode == 1
    (line,) = error_lines(refused)
    assert "recall@20 0.2000 < 0.3000" in line and "--force" in line
    assert store.read_current() == ids[2]

    forced = run_job("publish", job_env(store.root), "--force", "--keep", "1")
    assert forced.returncode == 0, forced.stderr
    assert store.read_current() == ids[3]
    assert sorted(p.name for p in store.models_dir.iterdir()) == [ids[3]]

    again = run_job("publish", job_env(store.root))
    assert again.returncode == 0 and "already served" in again.stderr
    bad_keep = run_job("publish", job_env(store.root), "--keep", "0")
    assert bad_keep.returncode == 1 and error_lines(bad_keep)[0].startswith(
        "error: invalid settings: keep_models"
    )
