"""The artifacts claim's access mode: what each kind of cluster gets, and the clear failures where
the claim could not be shared by the Jobs and every API replica."""

from __future__ import annotations

import pytest

from tests.chart.support import RELEASE, by_kind, one, pod_specs, render, render_error

CLAIM = f"{RELEASE}-artifacts"
P = "artifacts.persistence"


def _claim_mode(*sets: str) -> str:
    [mode] = one(render(sets=sets), "PersistentVolumeClaim", CLAIM)["spec"]["accessModes"]
    return str(mode)


@pytest.mark.parametrize(
    ("sets", "mode"),
    [
        ((), "ReadWriteMany"),
        ((f"{P}.singleNode=true",), "ReadWriteOnce"),
        ((f"{P}.singleNode=true", f"{P}.accessMode=ReadWriteMany"), "ReadWriteMany"),
        ((f"{P}.singleNode=true", f"{P}.accessMode=ReadWriteOnce"), "ReadWriteOnce"),
        ((f"{P}.accessMode=ReadWriteMany",), "ReadWriteMany"),
    ],
)
def test_the_access_mode_follows_the_cluster(sets: tuple[str, ...], mode: str) -> None:
    assert _claim_mode(*sets) == mode


def test_the_storage_class_is_passed_through() -> None:
    claim = one(render(sets=(f"{P}.storageClassName=nfs-rwx",)), "PersistentVolumeClaim", CLAIM)
    assert claim["spec"]["storageClassName"] == "nfs-rwx"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_read_write_once_on_several_nodes_fails_and_names_the_ways_out() -> None:
    error = render_error(sets=(f"{P}.accessMode=ReadWriteOnce",))
    assert "accessMode=ReadWriteOnce" in error
    assert "artifacts.persistence.storageClassName" in error and "ReadWriteMany" in error
    assert "artifacts.persistence.existingClaim" in error
    assert "artifacts.persistence.singleNode=true" in error


def test_an_existing_claim_is_used_whatever_mode_is_written() -> None:
    objs = render(sets=(f"{P}.accessMode=ReadWriteOnce", f"{P}.existingClaim=team-artifacts"))
    assert not by_kind(objs, "PersistentVolumeClaim")
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for _, pod in pod_specs(objs)
        for v in pod.get("volumes", [])
        if "persistentVolumeClaim" in v
    }
    assert claims == {"team-artifacts"}


@pytest.mark.parametrize(
    "sets",
    [
        (f"{P}.accessMode=ReadWriteOncePod",),
        (f"{P}.accessMode=ReadWriteOncePod", f"{P}.singleNode=true"),
        (f"{P}.accessMode=ReadWriteOncePod", f"{P}.existingClaim=team-artifacts"),
    ],
)
def test_read_write_once_pod_always_fails(sets: tuple[str, ...]) -> None:
    error = render_error(sets=sets)
    assert "ReadWriteOncePod cannot work" in error
    assert "every API replica" in error


@pytest.mark.parametrize(("keep", "when_deleted"), [("false", "Delete"), ("true", "Retain")])
def test_the_redis_claim_goes_with_the_release_unless_kept(keep: str, when_deleted: str) -> None:
    redis = one(
        render(sets=(f"redis.persistence.keepOnUninstall={keep}",)), "StatefulSet", f"{RELEASE}-redis"
    )
    policy = redis["spec"]["persistentVolumeClaimRetentionPolicy"]
    assert policy == {"whenDeleted": when_deleted, "whenScaled": "Retain"}


def test_redis_without_persistence_has_no_claim_policy() -> None:
    redis = one(render(sets=("redis.persistence.enabled=false",)), "StatefulSet", f"{RELEASE}-redis")
    assert "persistentVolumeClaimRetentionPolicy" not in redis["spec"]
    assert "volumeClaimTemplates" not in redis["spec"]
