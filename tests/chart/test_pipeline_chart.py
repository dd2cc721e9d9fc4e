"""The pipeline as the chart renders it: the kick-off Job named after the fingerprint, what the
fingerprint follows, the RBAC of the kick-off and runners, the trainer's thread count, NOTES."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.chart.support import (
    NAMESPACE,
    PIPELINE_CONFIG_MAP,
    RELEASE,
    Obj,
    by_kind,
    offline_chart,
    one,
    pipeline_job_specs,
    pod_specs,
    render,
    render_error,
    render_notes,
    resolve_env,
    secret_values,
)

SERVICE_ACCOUNT = f"{RELEASE}-retrain"
STAGES = ("prepare-train", "index-publish")


def _kickoff(objs: tuple[Obj, ...]) -> Obj:
    [job] = by_kind(objs, "Job")
    return job


def _fingerprint(*sets: str) -> str:
    objs = render(sets=sets)
    fingerprint: str = one(objs, "ConfigMap", PIPELINE_CONFIG_MAP)["data"]["fingerprint"]
    return fingerprint


def test_the_kickoff_job_carries_the_fingerprint() -> None:
    objs = render()
    fingerprint = _fingerprint()
    assert len(fingerprint) == 10 and int(fingerprint, 16) >= 0
    job = _kickoff(objs)
    assert job["metadata"]["name"] == f"{RELEASE}-pipeline-{fingerprint}"
    assert job["metadata"]["labels"]["tunedin.io/pipeline-fingerprint"] == fingerprint
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {}), (
        "a hook would deadlock install --wait"
    )
    pod = job["spec"]["template"]["spec"]
    [ensure] = pod["containers"]
    assert ensure["command"] == ["python", "-m", "jobs.retrain", "ensure"]
    assert ensure["args"] == [
        f"--fingerprint={fingerprint}",
        f"--config-map={PIPELINE_CONFIG_MAP}",
        f"--name-prefix={RELEASE}",
    ]
    assert (
        ensure["resources"]
        == yaml.safe_load((offline_chart() / "values.yaml").read_text())["retrain"]["resources"]
    )
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    # No revision-named stage Jobs any more: the stages exist only as the runners' specs.
    assert set(pipeline_job_specs(objs)) == {"runner", *STAGES}


@pytest.mark.parametrize(
    "change",
    [
        "api.replicaCount=3",
        "retrain.schedule=0 4 * * 1",
        "redis.maxmemory=100mb",
        "retrain.challengerShare=0",
    ],
)
def test_a_change_outside_the_pipeline_keeps_the_fingerprint_and_the_kickoff_job(change: str) -> None:
    assert _fingerprint(change) == _fingerprint()
    # The same fingerprint means the same kick-off manifest: nothing for helm to patch in it.
    assert _kickoff(render(sets=(change,))) == _kickoff(render())


@pytest.mark.parametrize(
    "change",
    [
        "trainer.env.TUNEDIN_EPOCHS=5",
        "pipeline.runId=x",
        "trainer.image.tag=0.2.0",
        "trainer.resources.limits.memory=8Gi",
        "retrain.resources.limits.memory=300Mi",  # the kick-off Job's own pod template
        "retrain.feedback.export=false",
        "retrain.feedback.merge=false",
        "retrain.feedback.likeWeight=3",
    ],
)
def test_what_the_pipeline_runs_from_changes_the_fingerprint(change: str) -> None:
    changed = _fingerprint(change)
    assert changed != _fingerprint()
    assert _kickoff(render(sets=(change,)))["metadata"]["name"] == f"{RELEASE}-pipeline-{changed}"


def test_runner_spec_is_the_cronjobs_and_reads_its_own_job_name() -> None:
    objs = render()
    runner = pipeline_job_specs(objs)["runner"]
    cron = copy.deepcopy(one(objs, "CronJob", SERVICE_ACCOUNT)["spec"]["jobTemplate"])
    # The same runner, but the CronJob's publishes as challenger (test_scheduled_retrain.py).
    [cron_container] = cron["spec"]["template"]["spec"]["containers"]
    assert cron_container["args"].pop() == "--challenger-share=0.1"
    assert cron["spec"] == runner
    plain = render(sets=("retrain.challengerShare=0",))
    assert one(plain, "CronJob", SERVICE_ACCOUNT)["spec"]["jobTemplate"]["spec"] == runner
    assert cron["metadata"]["labels"]["app.kubernetes.io/component"] == "pipeline-runner"
    [container] = runner["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "jobs.retrain", "run"]
    assert f"--config-map={PIPELINE_CONFIG_MAP}" in container["args"]
    env = {e["name"]: e for e in container["env"]}
    assert env["TUNEDIN_RUNNER_JOB"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.labels['batch.kubernetes.io/job-name']"
    )
    assert env["TUNEDIN_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert "volumes" in runner["template"]["spec"] and all(
        "configMap" not in v for v in runner["template"]["spec"]["volumes"]
    ), "runners read the ConfigMap through the API, never a mounted (possibly stale) copy"


def test_stages_run_without_waiting_init_containers() -> None:
    specs = pipeline_job_specs(render())
    for stage in STAGES:
        pod = specs[stage]["template"]["spec"]
        assert "initContainers" not in pod, stage
        assert specs[stage]["ttlSecondsAfterFinished"] > 0
    train = specs["prepare-train"]["template"]["spec"]["containers"][0]["args"][0]
    index = specs["index-publish"]["template"]["spec"]["containers"][0]["args"][0]
    assert train.index("jobs.prepare_data") < train.index("jobs.train")
    assert index.index("jobs.build_index") < index.index("jobs.publish")


def _rbac(objs: tuple[Obj, ...]) -> tuple[list[Obj], list[Obj], list[Obj]]:
    return by_kind(objs, "Role"), by_kind(objs, "RoleBinding"), by_kind(objs, "ServiceAccount")


def test_the_role_allows_jobs_and_reading_its_own_config_map_only() -> None:
    objs = render()
    [role], [binding], [sa] = _rbac(objs)
    assert role["rules"] == [
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "delete"]},
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [PIPELINE_CONFIG_MAP],
            "verbs": ["get"],
        },
    ]
    assert not by_kind(objs, "ClusterRole") and not by_kind(objs, "ClusterRoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}
    ]
    assert sa["metadata"]["name"] == SERVICE_ACCOUNT and sa["automountServiceAccountToken"] is False
    orchestrators = {"Job/", "CronJob/", f"ConfigMap/{PIPELINE_CONFIG_MAP}/runner.yaml"}
    for where, pod in pod_specs(objs):
        if any(where.startswith(o) for o in orchestrators):
            assert pod["serviceAccountName"] == SERVICE_ACCOUNT, where
            assert pod["automountServiceAccountToken"] is True, where
        else:
            assert pod["automountServiceAccountToken"] is False, where


@pytest.mark.parametrize(
    ("pipeline", "retrain"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_rbac_and_config_map_exist_with_the_kickoff_or_the_cronjob(pipeline: bool, retrain: bool) -> None:
    objs = render(
        sets=(
            f"pipeline.enabled={str(pipeline).lower()}",
            f"retrain.enabled={str(retrain).lower()}",
            "erasures.enabled=false",
        )
    )
    assert len(by_kind(objs, "Job")) == int(pipeline)
    assert len(by_kind(objs, "CronJob")) == int(retrain)
    expected = int(pipeline or retrain)
    roles, bindings, accounts = _rbac(objs)
    assert (len(roles), len(bindings), len(accounts)) == (expected, expected, expected)
    assert (
        len([c for c in by_kind(objs, "ConfigMap") if c["metadata"]["name"] == PIPELINE_CONFIG_MAP])
        == expected
    )


def _stage_env(*sets: str) -> dict[str, dict[str, str]]:
    objs = render(sets=sets)
    specs = pipeline_job_specs(objs)
    env: dict[str, dict[str, str]] = {}
    for stage in STAGES:
        [container] = specs[stage]["template"]["spec"]["containers"]
        env[stage] = resolve_env(container, secret_values(objs))
    return env


@pytest.mark.parametrize(("limit", "threads"), [("2", "2"), ("1500m", "2"), ("500m", "1"), ("4", "4")])
def test_the_trainer_threads_follow_its_cpu_limit(limit: str, threads: str) -> None:
    specs = pipeline_job_specs(render(sets=(f"trainer.resources.limits.cpu={limit}",)))
    for stage in STAGES:
        [container] = specs[stage]["template"]["spec"]["containers"]
        [ref] = [
            e["valueFrom"]["resourceFieldRef"] for e in container["env"] if e["name"] == "TUNEDIN_THREADS"
        ]
        assert ref == {"containerName": container["name"], "resource": "limits.cpu", "divisor": "1"}
    for stage, env in _stage_env(f"trainer.resources.limits.cpu={limit}").items():
        assert env["TUNEDIN_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == threads, stage


def test_a_given_thread_count_wins_over_the_cpu_limit() -> None:
    for stage, env in _stage_env("trainer.env.TUNEDIN_THREADS=3").items():
        assert env["TUNEDIN_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "3", stage


def test_notes_tell_how_to_follow_the_pipeline() -> None:
    fingerprint = _fingerprint()
    notes = render_notes()
    assert f"logs job/{RELEASE}-pipeline-{fingerprint}" in notes
    assert (
        f"get jobs -l app.kubernetes.io/instance={RELEASE},tunedin.io/pipeline-fingerprint={fingerprint} -w"
        in notes
    )
    assert "app.kubernetes.io/component=pipeline-runner" in notes
    assert "-r1" not in notes
    assert "pipeline.enabled=false" in render_notes("pipeline.enabled=false")


@pytest.mark.parametrize(
    ("flag", "complaint"),
    [
        ("retrain.concurrencyPolicy=Replace", "concurrencyPolicy"),
        ("pipeline.runHistoryLimit=-1", "runHistoryLimit"),
        ("pipeline.waitForModelTimeoutSeconds=60", "waitForModelTimeoutSeconds"),
    ],
)
def test_helm_rejects_bad_pipeline_values(flag: str, complaint: str) -> None:
    assert complaint in render_error(sets=(flag,))
