"""The pipeline's kick-off (``ensure``) and runner (``run``) on the real kubernetes client against a
local fake of the API (tests/chart/fake_kube.py: strict schemas, uids, ownership), fed with the
ConfigMap the chart renders."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tests.chart.fake_kube import COMPONENT, FakeKube, Obj
from tests.chart.support import NAMESPACE, PIPELINE_CONFIG_MAP, REPO_ROOT, by_kind, render
from tunedin_trainer.errors import PipelineError
from tunedin_trainer.orchestration.definition import FINGERPRINT_LABEL, RUN_LABEL
from tunedin_trainer.orchestration.ensure import EnsureOutcome, ensure_pipeline
from tunedin_trainer.orchestration.runner import Pacing, run_pipeline

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
RUNNER = "tunedin-run-20260301030000"
TRAIN, INDEX = "tunedin-train-20260301030000", "tunedin-index-20260301030000"


def _config_map() -> Obj:
    [cm] = [c for c in by_kind(render(), "ConfigMap") if c["metadata"]["name"] == PIPELINE_CONFIG_MAP]
    return copy.deepcopy(cm)


def _fake(**scripts: list[str]) -> tuple[FakeKube, str]:
    fake = FakeKube(scripts={k.replace("_", "-"): v for k, v in scripts.items()})
    cm = fake.add(_config_map())
    return fake, cm["data"]["fingerprint"]


def _pacing(fake: FakeKube) -> Pacing:
    return Pacing(1, clock=lambda: float(fake.ticks), sleep=fake.tick, now=lambda: NOW)


def _ensure(fake: FakeKube, fingerprint: str) -> EnsureOutcome:
    with fake.cluster() as cluster:
        return ensure_pipeline(cluster, PIPELINE_CONFIG_MAP, fingerprint, "tunedin", now=lambda: NOW)


def _run(fake: FakeKube, runner: str = RUNNER, timeout_s: float = 100) -> list[str]:
    with fake.cluster() as cluster:
        return run_pipeline(cluster, PIPELINE_CONFIG_MAP, runner, "tunedin", timeout_s, _pacing(fake))


def _add_runner(fake: FakeKube, name: str, age_s: int, fingerprint: str | None, states: list[str]) -> Obj:
    """A runner Job from the chart's runner spec, created ``age_s`` ago, as ``ensure`` (with a
    fingerprint) or the CronJob (without) would have made it."""
    spec = yaml.safe_load(_config_map()["data"]["runner.yaml"])
    labels = dict(spec["template"]["metadata"]["labels"])
    if fingerprint is not None:
        labels[FINGERPRINT_LABEL] = fingerprint
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
    }
    return fake.add(job, states, age_s=age_s)


def _posts(fake: FakeKube) -> int:
    return sum(1 for c in fake.calls if c.startswith("POST "))


# ---------------------------------------------------------------- ensure


def test_ensure_creates_one_runner_owned_by_the_pipeline_config_map() -> None:
    fake, fingerprint = _fake()
    outcome = _ensure(fake, fingerprint)
    assert outcome == EnsureOutcome(RUNNER, "created")
    [runner] = fake.jobs().values()
    meta = runner["metadata"]
    assert meta["name"] == RUNNER
    assert meta["labels"][FINGERPRINT_LABEL] == fingerprint
    assert meta["labels"][COMPONENT] == "pipeline-runner"
    assert meta["labels"]["app.kubernetes.io/instance"] == "tunedin"
    assert runner["spec"]["template"]["metadata"]["labels"][FINGERPRINT_LABEL] == fingerprint
    cm = fake.objects[("ConfigMap", PIPELINE_CONFIG_MAP)]
    assert meta["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": PIPELINE_CONFIG_MAP, "uid": cm["metadata"]["uid"]}
    ]
    [container] = runner["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "jobs.retrain", "run"]
    # helm uninstall deletes the ConfigMap; the garbage collector then takes the runner.
    fake.delete("ConfigMap", PIPELINE_CONFIG_MAP)
    assert not fake.jobs()


def test_ensure_is_idempotent_for_an_active_or_succeeded_runner() -> None:
    fake, fingerprint = _fake()
    _ensure(fake, fingerprint)
    assert _ensure(fake, fingerprint) == EnsureOutcome(RUNNER, "active")
    fake.states[RUNNER] = ["succeeded"]
    assert _ensure(fake, fingerprint) == EnsureOutcome(RUNNER, "succeeded")
    assert _posts(fake) == 1 and list(fake.jobs()) == [RUNNER]


def test_a_failed_runner_or_another_fingerprint_does_not_count() -> None:
    fake, fingerprint = _fake()
    _add_runner(fake, "tunedin-run-20260228030000", 3600, fingerprint, ["failed"])
    _add_runner(fake, "tunedin-run-20260227030000", 7200, "0123456789", ["succeeded"])
    _add_runner(fake, "tunedin-retrain-29000000", 600, None, ["succeeded"])
    assert _ensure(fake, fingerprint).state == "created"
    assert _posts(fake) == 1 and RUNNER in fake.jobs()


def test_ensure_of_a_superseded_fingerprint_creates_nothing() -> None:
    fake, _ = _fake()
    assert _ensure(fake, "ffffffffff") == EnsureOutcome("", "superseded")
    assert not fake.jobs()


def test_ensure_prunes_old_finished_runners_but_never_an_active_one() -> None:
    fake, fingerprint = _fake()
    limit = int(_config_map()["data"]["runHistoryLimit"])
    finished = [f"tunedin-run-2026022{day}030000" for day in range(1, limit + 3)]  # oldest first
    for age, name in enumerate(reversed(finished), start=1):
        _add_runner(fake, name, age * 86400, f"{age:010d}", ["succeeded" if age % 2 else "failed"])
    _add_runner(fake, "tunedin-run-20260101030000", 90 * 86400, "aaaaaaaaaa", ["active"])
    _add_runner(fake, "tunedin-retrain-28000000", 80 * 86400, None, ["succeeded"])
    # A stage Job of the oldest finished runner goes with it (owned by it).
    oldest = fake.objects[("Job", finished[0])]
    spec = yaml.safe_load(_config_map()["data"]["prepare-train.yaml"])
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": finished[0], "uid": oldest["metadata"]["uid"]}
    stage = {"metadata": {"name": "tunedin-train-20260221030000", "ownerReferences": [owner]}, "spec": spec}
    fake.add({"apiVersion": "batch/v1", "kind": "Job", **stage}, ["succeeded"])

    outcome = _ensure(fake, fingerprint)
    assert outcome.state == "created"
    # The new runner is active: the newest `limit` finished ones stay, older finished ones go.
    assert set(outcome.pruned) == set(finished[: len(finished) - limit])
    left = set(fake.jobs())
    assert left == {RUNNER, *finished[-limit:], "tunedin-run-20260101030000", "tunedin-retrain-28000000"}


# ---------------------------------------------------------------- the runner


def test_runner_runs_train_then_index_as_jobs_it_owns() -> None:
    fake, fingerprint = _fake(
        prepare_train=["active", "active", "succeeded"], index_publish=["active", "succeeded"]
    )
    _ensure(fake, fingerprint)
    assert _run(fake) == [TRAIN, INDEX]
    jobs = fake.jobs()
    # index-publish is created only once prepare-train has succeeded (after two ticks).
    assert fake.created_at_tick[TRAIN] == 0 and fake.created_at_tick[INDEX] == 2
    runner_uid = jobs[RUNNER]["metadata"]["uid"]
    stage_specs = {k: yaml.safe_load(v) for k, v in _config_map()["data"].items() if k.endswith(".yaml")}
    for name, component in ((TRAIN, "prepare-train"), (INDEX, "index-publish")):
        job = jobs[name]
        assert job["metadata"]["ownerReferences"] == [
            {"apiVersion": "batch/v1", "kind": "Job", "name": RUNNER, "uid": runner_uid}
        ]
        assert (
            job["spec"]["ttlSecondsAfterFinished"]
            == stage_specs[f"{component}.yaml"]["ttlSecondsAfterFinished"]
            > 0
        )
        for labels in (job["metadata"]["labels"], job["spec"]["template"]["metadata"]["labels"]):
            assert labels[COMPONENT] == component
            assert labels[RUN_LABEL] == RUNNER and labels[FINGERPRINT_LABEL] == fingerprint
        assert "initContainers" not in job["spec"]["template"]["spec"]
    assert "jobs.train" in jobs[TRAIN]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert "jobs.publish" in jobs[INDEX]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    # Deleting the runner (prune, or the garbage collector after helm uninstall) takes its stages.
    fake.delete("ConfigMap", PIPELINE_CONFIG_MAP)
    assert not fake.jobs()


def test_runner_waits_for_an_earlier_active_runner_and_not_for_a_later_one() -> None:
    fake, fingerprint = _fake(prepare_train=["succeeded"], index_publish=["succeeded"])
    _add_runner(fake, "tunedin-retrain-29000000", 60, None, ["active", "active", "active", "succeeded"])
    _ensure(fake, fingerprint)
    _add_runner(fake, "tunedin-retrain-29000001", 0, None, ["active"])  # created after this runner
    assert _run(fake) == [TRAIN, INDEX]
    assert fake.created_at_tick[TRAIN] == 3  # not before the earlier run finished
    assert "tunedin-retrain-29000000" in fake.jobs()  # never stopped, never deleted


def test_runner_gives_up_waiting_without_touching_the_running_pipeline() -> None:
    fake, fingerprint = _fake()
    _add_runner(fake, "tunedin-retrain-29000000", 60, None, ["active"])
    _ensure(fake, fingerprint)
    with pytest.raises(PipelineError, match=r"tunedin-retrain-29000000 were still active after 5 s"):
        _run(fake, timeout_s=5)
    assert set(fake.jobs()) == {"tunedin-retrain-29000000", RUNNER}
    assert not [c for c in fake.calls if c.startswith("DELETE")]


@pytest.mark.parametrize(
    ("scripts", "stage", "job"),
    [
        ({"prepare_train": ["active", "failed"]}, "prepare-train", TRAIN),
        ({"prepare_train": ["succeeded"], "index_publish": ["active", "failed"]}, "index-publish", INDEX),
    ],
)
def test_a_failed_stage_stops_the_run_and_is_named(
    scripts: dict[str, list[str]], stage: str, job: str
) -> None:
    fake, fingerprint = _fake(**scripts)
    _ensure(fake, fingerprint)
    with pytest.raises(PipelineError, match=rf"^stage {stage} failed: job {job}: BackoffLimitExceeded"):
        _run(fake)
    assert set(fake.jobs()) == {RUNNER, TRAIN, *([INDEX] if stage == "index-publish" else [])}


def test_a_stage_past_the_timeout_is_deleted_and_named() -> None:
    fake, fingerprint = _fake(prepare_train=["succeeded"], index_publish=["active"])
    _ensure(fake, fingerprint)
    with pytest.raises(
        PipelineError, match=rf"stage index-publish: job {INDEX} did not finish before the timeout"
    ):
        _run(fake, timeout_s=5)
    assert set(fake.jobs()) == {RUNNER, TRAIN}


def test_a_runner_of_a_superseded_fingerprint_runs_nothing() -> None:
    fake, fingerprint = _fake()
    _ensure(fake, fingerprint)
    fake.objects[("ConfigMap", PIPELINE_CONFIG_MAP)]["data"]["fingerprint"] = "ffffffffff"
    with pytest.raises(PipelineError, match=f"pipeline {fingerprint} is superseded"):
        _run(fake)
    assert set(fake.jobs()) == {RUNNER}


def test_a_broken_config_map_fails_before_creating_anything() -> None:
    fake, fingerprint = _fake()
    _ensure(fake, fingerprint)
    fake.objects[("ConfigMap", PIPELINE_CONFIG_MAP)]["data"]["prepare-train.yaml"] = "backoffLimit: 1\n"
    with pytest.raises(PipelineError, match=r"prepare-train\.yaml is not a Job spec"):
        _run(fake)
    assert _posts(fake) == 1


# ---------------------------------------------------------------- the CLI, as the pods run it


def _cli(
    fake: FakeKube, url: str, tmp_path: Path, *args: str, runner: str = ""
) -> subprocess.CompletedProcess[str]:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": url}}],
                "users": [{"name": "fake", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                "current-context": "fake",
            }
        ),
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TUNEDIN_", "KUBERNETES_"))},
        "KUBECONFIG": str(kubeconfig),
        "TUNEDIN_NAMESPACE": NAMESPACE,
        "TUNEDIN_RUNNER_JOB": runner,
        "TUNEDIN_LOG_FORMAT": "text",
    }
    return subprocess.run(
        [sys.executable, "-m", "jobs.retrain", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_ensure_then_run_reports_the_failed_stage(tmp_path: Path) -> None:
    fake, fingerprint = _fake(prepare_train=["failed"])
    common = ["--config-map", PIPELINE_CONFIG_MAP, "--name-prefix", "tunedin"]
    with fake.serve() as url:
        ensured = _cli(fake, url, tmp_path, "ensure", "--fingerprint", fingerprint, *common)
        assert ensured.returncode == 0, ensured.stderr
        assert f"pipeline {fingerprint}: created tunedin-run-" in ensured.stdout
        [runner] = fake.jobs()
        again = _cli(fake, url, tmp_path, "ensure", "--fingerprint", fingerprint, *common)
        assert again.returncode == 0 and f"pipeline {fingerprint}: active {runner}" in again.stdout
        ran = _cli(fake, url, tmp_path, "run", *common, "--poll-seconds", "0.01", runner=runner)
    assert ran.returncode == 1
    assert (
        ran.stderr.strip()
        .splitlines()[-1]
        .startswith("error: retrain failed: stage prepare-train failed: job")
    )


# ---------------------------------------------------------------- publishing as challenger


def _env(job: Obj) -> dict[str, str]:
    [container] = job["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in container["env"]}


def _cron_runner_args() -> list[str]:
    [cron] = [c for c in by_kind(render(), "CronJob") if c["metadata"]["name"] == "tunedin-retrain"]
    [container] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    args: list[str] = container["args"]
    return args


def test_a_runner_with_a_challenger_share_gives_it_to_index_publish_only() -> None:
    fake, fingerprint = _fake(prepare_train=["succeeded"], index_publish=["succeeded"])
    _ensure(fake, fingerprint)
    with fake.cluster() as cluster:
        run_pipeline(
            cluster, PIPELINE_CONFIG_MAP, RUNNER, "tunedin", 100, _pacing(fake), challenger_share=0.1
        )
    jobs = fake.jobs()
    assert _env(jobs[INDEX])["TUNEDIN_CHALLENGER_SHARE"] == "0.1"
    assert "TUNEDIN_CHALLENGER_SHARE" not in _env(jobs[TRAIN])
    # The rest of the stage's env is the chart's, in the chart's order; the ConfigMap is untouched.
    spec = yaml.safe_load(_config_map()["data"]["index-publish.yaml"])
    [chart_container] = spec["template"]["spec"]["containers"]
    [container] = jobs[INDEX]["spec"]["template"]["spec"]["containers"]
    assert container["env"][:-1] == chart_container["env"]
    assert (
        "TUNEDIN_CHALLENGER_SHARE"
        not in fake.objects[("ConfigMap", PIPELINE_CONFIG_MAP)]["data"]["index-publish.yaml"]
    )


def test_a_runner_without_a_share_publishes_plainly() -> None:
    fake, fingerprint = _fake(prepare_train=["succeeded"], index_publish=["succeeded"])
    _ensure(fake, fingerprint)
    _run(fake)
    spec = yaml.safe_load(_config_map()["data"]["index-publish.yaml"])
    assert fake.jobs()[INDEX]["spec"]["template"]["spec"] == spec["template"]["spec"]
    assert "TUNEDIN_CHALLENGER_SHARE" not in _env(fake.jobs()[INDEX])


@pytest.mark.parametrize("share", [1.0, -0.1])
def test_a_share_outside_0_to_1_creates_nothing(share: float) -> None:
    fake, fingerprint = _fake()
    _ensure(fake, fingerprint)
    with pytest.raises(PipelineError, match="challenger share"), fake.cluster() as cluster:
        run_pipeline(cluster, PIPELINE_CONFIG_MAP, RUNNER, "tunedin", 100, _pacing(fake), share)
    assert _posts(fake) == 1


def test_cli_run_with_the_cronjobs_args_publishes_as_challenger(tmp_path: Path) -> None:
    """The retraining CronJob's runner, with the args the chart renders, as its pod runs it."""
    fake, _ = _fake(prepare_train=["succeeded"], index_publish=["succeeded"])
    runner = "tunedin-retrain-29000000"
    _add_runner(fake, runner, 0, None, ["active"])
    args = [a for a in _cron_runner_args() if not a.startswith("--poll-seconds")]
    assert "--challenger-share=0.1" in args
    with fake.serve() as url:
        ran = _cli(fake, url, tmp_path, "run", *args, "--poll-seconds=0.01", runner=runner)
    assert ran.returncode == 0, ran.stderr
    [index] = [job for name, job in fake.jobs().items() if name.startswith("tunedin-index-")]
    [train] = [job for name, job in fake.jobs().items() if name.startswith("tunedin-train-")]
    assert _env(index)["TUNEDIN_CHALLENGER_SHARE"] == "0.1"
    assert "TUNEDIN_CHALLENGER_SHARE" not in _env(train)
    assert "publishing as challenger to 10% of users" in ran.stderr
