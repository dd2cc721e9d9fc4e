"""publish: gates in order, CURRENT moved atomically and only after all of them, no-ops, rollback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import ModelSize, make_model, make_models, make_settings
from tunedin_common.contract import MODEL_MANIFEST_FILE, ArtifactStore, utcnow
from tunedin_trainer.errors import GateError, PipelineError
from tunedin_trainer.index.stage import build_index
from tunedin_trainer.publish import gates, gc, stage
from tunedin_trainer.publish.stage import publish

SMALL: ModelSize = {"n_items": 600, "n_users": 80, "dim": 16}


def _indexed(store: ArtifactStore, recalls: list[float], **overrides: float) -> list[str]:
    """Indexed models an hour apart, oldest first, with the given test recall@20."""
    start = utcnow() - timedelta(hours=len(recalls))
    ids = [
        make_model(
            store, created_at=start + timedelta(hours=i), metrics={"recall@20": r, "ndcg@20": 0.1}, **SMALL
        )
        for i, r in enumerate(recalls)
    ]
    for model_id in ids:
        build_index(store, make_settings(store, **overrides), model_id)
    return ids


def test_first_publish_skips_the_quality_gate_and_moves_current(store: ArtifactStore) -> None:
    (model_id,) = _indexed(store, [0.2])
    outcome = publish(store, make_settings(store))
    assert outcome.published and outcome.previous is None
    assert store.read_current() == model_id


def test_quality_gate_refuses_a_worse_model_and_force_overrides(store: ArtifactStore) -> None:
    served, worse = _indexed(store, [0.30, 0.25])
    settings = make_settings(store, quality_tolerance=0.01)
    publish(store, settings, served)

    with pytest.raises(GateError, match=r"recall@20 0.2500 < 0.3000 − tolerance 0.01") as refused:
        publish(store, settings)
    assert "\n" not in str(refused.value)
    assert store.read_current() == served

    assert publish(store, settings, force=True).published
    assert store.read_current() == worse


def test_a_model_within_the_tolerance_passes(store: ArtifactStore) -> None:
    served, newer = _indexed(store, [0.300, 0.295])
    publish(store, make_settings(store), served)
    assert publish(store, make_settings(store, quality_tolerance=0.01)).model_id == newer
    assert store.read_current() == newer


def test_the_quality_metric_comes_from_settings(store: ArtifactStore) -> None:
    served, newer = _indexed(store, [0.30, 0.20])
    publish(store, make_settings(store), served)
    assert publish(store, make_settings(store, quality_metric="ndcg@20")).published
    with pytest.raises(GateError, match="has no test precision@20"):
        publish(store, make_settings(store, quality_metric="precision@20"), served)
    assert store.read_current() == newer


def test_index_gates_are_checked_again_at_publish(store: ArtifactStore) -> None:
    # efSearch 100 on this 600-item graph: recall@100 just under 1 (0.9865 measured), so a
    # gate of 1.0 at publish is one the index was built without meeting.
    (model_id,) = _indexed(store, [0.2], max_index_mb=50.0, hnsw_ef_search=100)
    assert store.read_model_manifest(model_id).index["recall_at_100"] < 1.0  # type: ignore[index]
    with pytest.raises(GateError, match=r"MB > limit 0\.05 MB"):
        publish(store, make_settings(store, max_index_mb=0.05))
    with pytest.raises(GateError, match=r"recall@100 .* < gate 1\.0"):
        publish(store, make_settings(store, recall_gate_at_100=1.0, recall_gate_at_20=1.0), force=True)
    assert store.read_current() is None
    assert publish(store, make_settings(store)).model_id == model_id


def test_current_is_written_only_after_every_gate(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, worse = _indexed(store, [0.30, 0.10])
    publish(store, make_settings(store), served)
    calls: list[str] = []
    monkeypatch.setattr(stage, "check_quality", _recording(gates.check_quality, calls, "quality"))
    monkeypatch.setattr(store, "write_current", _recording(store.write_current, calls, "current"))
    monkeypatch.setattr(stage, "collect_garbage", _recording(gc.collect_garbage, calls, "gc"))

    with pytest.raises(GateError):
        publish(store, make_settings(store), worse)
    assert calls == ["quality"] and store.read_current() == served
    publish(store, make_settings(store), worse, force=True)
    assert calls == ["quality", "quality", "current", "gc"]
    assert store.read_current() == worse
    assert not [p for p in store.root.iterdir() if p.name.endswith(".tmp")], "CURRENT is renamed into place"


def _recording(function: object, calls: list[str], name: str) -> object:
    def wrapper(*args: object, **kwargs: object) -> object:
        calls.append(name)
        assert callable(function)
        return function(*args, **kwargs)

    return wrapper


def test_publishing_the_served_model_is_a_no_op(
    store: ArtifactStore, caplog: pytest.LogCaptureFixture
) -> None:
    (model_id,) = _indexed(store, [0.2])
    publish(store, make_settings(store))
    before = store.current_file.stat().st_mtime_ns
    with caplog.at_level("INFO"):
        outcome = publish(store, make_settings(store), model_id)
    assert not outcome.published
    assert "already served" in caplog.text
    assert store.current_file.stat().st_mtime_ns == before


def test_rollback_to_a_worse_model_needs_force(store: ArtifactStore) -> None:
    old, new = _indexed(store, [0.20, 0.30])
    publish(store, make_settings(store))
    assert store.read_current() == new
    with pytest.raises(GateError, match="worse than the served"):
        publish(store, make_settings(store), old)
    assert publish(store, make_settings(store), old, force=True).published
    assert store.read_current() == old


def test_the_default_choice_never_rolls_back(store: ArtifactStore) -> None:
    old, new = _indexed(store, [0.30, 0.30])
    publish(store, make_settings(store))
    (store.model_dir(new) / MODEL_MANIFEST_FILE).write_text("{}")  # the served model's manifest breaks

    outcome = publish(store, make_settings(store))

    assert outcome.model_id == old and not outcome.published
    assert store.read_current() == new


def test_unindexed_or_unknown_models_are_refused(store: ArtifactStore) -> None:
    (model_id,) = make_models(store, 1, **SMALL)
    with pytest.raises(PipelineError, match="no indexed model"):
        publish(store, make_settings(store))
    with pytest.raises(GateError, match="has no index: run build-index first"):
        publish(store, make_settings(store), model_id)
    with pytest.raises(GateError, match="no model 20200101T000000Z-00000000"):
        publish(store, make_settings(store), "20200101T000000Z-00000000")
    with pytest.raises(GateError, match="not a model id"):
        publish(store, make_settings(store), "../../etc")
    assert store.read_current() is None
