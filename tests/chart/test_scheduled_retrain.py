"""The scheduled retrain as the chart renders it: the retraining CronJob's runner publishes as
challenger (the kick-off's and the erasure schedule's runners publish plainly), and every run's
prepare-train exports the feedback stream from the chart's Redis before prepare-data merges it."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.chart.support import (
    CHART_DIR,
    PIPELINE_CONFIG_MAP,
    RELEASE,
    Obj,
    one,
    pipeline_job_specs,
    render,
    render_error,
    resolve_env,
    secret_values,
)

CRON = f"{RELEASE}-retrain"


def _runner_args(objs: tuple[Obj, ...]) -> dict[str, list[str]]:
    """The args of each runner: the CronJob's, and the one `ensure` starts (kick-off, erasures)."""
    cron = one(objs, "CronJob", CRON)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    ensured = pipeline_job_specs(objs)["runner"]["template"]["spec"]
    return {"cron": cron["containers"][0]["args"], "ensured": ensured["containers"][0]["args"]}


def _prepare_train(objs: tuple[Obj, ...]) -> Obj:
    containers: list[Obj] = pipeline_job_specs(objs)["prepare-train"]["template"]["spec"]["containers"]
    [container] = containers
    return container


def _names(container: Obj) -> list[str]:
    return [e["name"] for e in container["env"]]


def test_only_the_cronjobs_runner_publishes_as_challenger() -> None:
    objs = render()
    args = _runner_args(objs)
    assert [a for a in args["cron"] if "challenger" in a] == ["--challenger-share=0.1"]
    assert not [a for a in args["ensured"] if "challenger" in a]
    # The erasure CronJob starts runners from the same ConfigMap runner.yaml (`ensure`).
    erasures = one(objs, "CronJob", f"{RELEASE}-erasures")["spec"]["jobTemplate"]["spec"]["template"]
    assert erasures["spec"]["containers"][0]["args"][0] == f"--config-map={PIPELINE_CONFIG_MAP}"
    # No stage spec carries a share: the runner adds it to the index-publish Job it creates.
    for spec in pipeline_job_specs(objs).values():
        assert "TUNEDIN_CHALLENGER_SHARE" not in _names(spec["template"]["spec"]["containers"][0])


def share_values(tmp_path: Path, share: float) -> str:
    """A values file setting retrain.challengerShare (helm's --set would make 0.25 a string)."""
    path = tmp_path / "share-values.yaml"
    path.write_text(f"retrain:\n  challengerShare: {share}\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("share", "flag"), [(0.25, ["--challenger-share=0.25"]), (0, [])])
def test_the_share_follows_the_value_and_0_publishes_plainly(
    tmp_path: Path, share: float, flag: list[str]
) -> None:
    args = _runner_args(render(share_values(tmp_path, share)))
    assert [a for a in args["cron"] if "challenger" in a] == flag


@pytest.mark.parametrize("share", [1, -0.1])
def test_a_share_outside_0_to_1_is_refused(tmp_path: Path, share: float) -> None:
    assert "challengerShare" in render_error(share_values(tmp_path, share))


def test_trainer_env_may_not_respell_what_the_retrain_values_set() -> None:
    for name, value in (
        ("TUNEDIN_CHALLENGER_SHARE", "retrain.challengerShare"),
        ("TUNEDIN_FEEDBACK_MERGE", "retrain.feedback.merge"),
        ("TUNEDIN_FEEDBACK_LIKE_WEIGHT", "retrain.feedback.likeWeight"),
    ):
        assert f"trainer.env.{name}: the chart sets it from {value}" in render_error(
            sets=(f"trainer.env.{name}=1",)
        )
    assert "trainer.env.TUNEDIN_REDIS_URL" in render_error(sets=("trainer.env.TUNEDIN_REDIS_URL=redis://x",))


def test_prepare_train_exports_the_feedback_then_prepares_then_trains() -> None:
    [line] = _prepare_train(render())["args"]
    assert line.index("jobs.export_feedback") < line.index("jobs.prepare_data") < line.index("jobs.train")
    [plain] = _prepare_train(render(sets=("retrain.feedback.export=false",)))["args"]
    assert plain == "python -m jobs.prepare_data && exec python -m jobs.train"


def test_prepare_train_reaches_the_charts_redis_with_its_password() -> None:
    objs = render()
    container = _prepare_train(objs)
    env = resolve_env(container, secret_values(objs))
    password = secret_values(objs)[(f"{RELEASE}-redis", "redis-password")]
    assert env["TUNEDIN_REDIS_URL"] == f"redis://:{password}@{RELEASE}-redis-headless:6379/0"
    api = one(objs, "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"]["containers"][0]
    assert resolve_env(api, secret_values(objs))["TUNEDIN_REDIS_URL"] == env["TUNEDIN_REDIS_URL"]
    assert (env["TUNEDIN_FEEDBACK_MERGE"], env["TUNEDIN_FEEDBACK_PLAY_WEIGHT"]) == ("true", "1")
    assert env["TUNEDIN_FEEDBACK_LIKE_WEIGHT"] == "5"
    [index] = pipeline_job_specs(objs)["index-publish"]["template"]["spec"]["containers"]
    assert not {"TUNEDIN_REDIS_URL", "REDIS_PASSWORD", "TUNEDIN_FEEDBACK_MERGE"} & set(_names(index))


def test_the_export_uses_the_users_redis_secret_or_url() -> None:
    external = _prepare_train(render(str(CHART_DIR / "ci" / "existing-secret-values.yaml")))
    [ref] = [e["valueFrom"]["secretKeyRef"] for e in external["env"] if e["name"] == "REDIS_PASSWORD"]
    assert ref == {"name": "my-redis-auth", "key": "password"}
    theirs = ("redis.enabled=false", "trainer.env.TUNEDIN_REDIS_URL=redis://cache:6379/0")
    own = _prepare_train(render(sets=theirs))
    assert "REDIS_PASSWORD" not in _names(own) and _names(own).count("TUNEDIN_REDIS_URL") == 1
    assert "trainer.env.TUNEDIN_REDIS_URL" in render_error(sets=("redis.enabled=false",))
    quiet = _prepare_train(render(sets=("redis.enabled=false", "retrain.feedback.export=false")))
    assert "TUNEDIN_REDIS_URL" not in _names(quiet)


def test_merge_off_and_weights_reach_prepare_data() -> None:
    objs = render(sets=("retrain.feedback.merge=false", "retrain.feedback.playWeight=2"))
    env = resolve_env(_prepare_train(objs), secret_values(objs))
    assert (env["TUNEDIN_FEEDBACK_MERGE"], env["TUNEDIN_FEEDBACK_PLAY_WEIGHT"]) == ("false", "2")


def _fake_python(tmp_path: Path, failing: str) -> Path:
    """A `python` that logs the module it was asked to run and fails for ``failing``: the stage's
    shell line is what is tested here, each program has its own tests."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "python"
    script.write_text(
        f'#!/bin/sh\necho "$2" >> "{tmp_path}/ran"\n[ "$2" != "{failing}" ]\n', encoding="utf-8"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


@pytest.mark.parametrize(
    ("failing", "ran", "rc"),
    [
        ("none", ["jobs.export_feedback", "jobs.prepare_data", "jobs.train"], 0),
        # Redis unreachable: said in the log, and the run trains on the earlier exports.
        ("jobs.export_feedback", ["jobs.export_feedback", "jobs.prepare_data", "jobs.train"], 0),
        ("jobs.prepare_data", ["jobs.export_feedback", "jobs.prepare_data"], 1),
        ("jobs.train", ["jobs.export_feedback", "jobs.prepare_data", "jobs.train"], 1),
    ],
)
def test_a_failed_export_is_reported_and_the_stage_goes_on(
    tmp_path: Path, failing: str, ran: list[str], rc: int
) -> None:
    container = _prepare_train(render())
    assert container["command"] == ["/bin/sh", "-c"]
    path = f"{_fake_python(tmp_path, failing)}:{os.environ['PATH']}"
    result = subprocess.run(
        [*container["command"], *container["args"]],
        env={"PATH": path},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == rc
    assert (tmp_path / "ran").read_text(encoding="utf-8").split() == ran
    warned = "export-feedback failed, so this run trains without the feedback sent since the last export"
    assert (warned in result.stderr) == (failing == "jobs.export_feedback")
