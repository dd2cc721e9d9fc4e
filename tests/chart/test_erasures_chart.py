"""The erasure CronJob as the chart renders it, the pseudonym key the pipeline stages get (the
API's, so both match the same ledger), the API's writable claim, and the stated time bound."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.chart.support import (
    CHART_DIR,
    PIPELINE_CONFIG_MAP,
    RELEASE,
    Obj,
    by_kind,
    one,
    pipeline_job_specs,
    render,
    render_error,
    resolve_env,
    secret_values,
)
from tunedin_common.settings import CommonSettings

CRONJOB = f"{RELEASE}-erasures"
SERVICE_ACCOUNT = f"{RELEASE}-retrain"
STAGES = ("prepare-train", "index-publish")


def _pod(objs: tuple[Obj, ...]) -> Obj:
    pod: Obj = one(objs, "CronJob", CRONJOB)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def test_the_cronjob_checks_the_ledger_hourly_and_ensures_a_runner() -> None:
    objs = render()
    cron = one(objs, "CronJob", CRONJOB)
    minute, *rest = cron["spec"]["schedule"].split()
    assert rest == ["*", "*", "*", "*"] and 0 <= int(minute) < 60  # once an hour
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = _pod(objs)
    assert pod["serviceAccountName"] == SERVICE_ACCOUNT and pod["automountServiceAccountToken"] is True
    [container] = pod["containers"]
    assert container["command"] == ["python", "-m", "jobs.erasures", "ensure"]
    assert container["args"] == [f"--config-map={PIPELINE_CONFIG_MAP}", f"--name-prefix={RELEASE}"]
    env = resolve_env(container, {}, {"metadata.namespace": "music"})
    assert env["TUNEDIN_ARTIFACTS"] == "/artifacts" and env["TUNEDIN_NAMESPACE"] == "music"
    # It reads erasures/ from the claim and writes nothing there.
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "artifacts"]
    assert mount == {"name": "artifacts", "mountPath": "/artifacts", "readOnly": True}
    [volume] = [v for v in pod["volumes"] if v["name"] == "artifacts"]
    assert volume["persistentVolumeClaim"] == {"claimName": f"{RELEASE}-artifacts", "readOnly": True}
    custom = render(sets=("erasures.schedule=*/15 * * * *",))
    assert one(custom, "CronJob", CRONJOB)["spec"]["schedule"] == "*/15 * * * *"


def test_the_cronjob_alone_brings_the_runner_spec_and_its_rbac() -> None:
    objs = render(sets=("pipeline.enabled=false", "retrain.enabled=false"))
    assert [c["metadata"]["name"] for c in by_kind(objs, "CronJob")] == [CRONJOB]
    assert "runner" in pipeline_job_specs(objs)
    assert one(objs, "Role", SERVICE_ACCOUNT) and one(objs, "RoleBinding", SERVICE_ACCOUNT)
    off = render(sets=("erasures.enabled=false",))
    assert CRONJOB not in {c["metadata"]["name"] for c in by_kind(off, "CronJob")}


def _api_key_ref(objs: tuple[Obj, ...]) -> Obj:
    [api] = one(objs, "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"]["containers"]
    found: list[Obj] = [e for e in api["env"] if e["name"] == "TUNEDIN_PSEUDONYM_KEY"]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("values", [(), (str(CHART_DIR / "ci" / "existing-secret-values.yaml"),)])
def test_pipeline_stages_get_the_apis_pseudonym_key(values: tuple[str, ...]) -> None:
    objs = render(*values)
    api_ref = _api_key_ref(objs)
    assert set(api_ref) == {"name", "valueFrom"}, "the key never sits in a pod spec"
    specs = pipeline_job_specs(objs)
    for stage in STAGES:
        [container] = specs[stage]["template"]["spec"]["containers"]
        [item] = [e for e in container["env"] if e["name"] == "TUNEDIN_PSEUDONYM_KEY"]
        assert item == api_ref, stage
    if not values:  # the generated Secret: the stages resolve exactly the API's key
        secrets = secret_values(objs)
        [stage_container] = specs["prepare-train"]["template"]["spec"]["containers"]
        ref = api_ref["valueFrom"]["secretKeyRef"]
        assert (
            resolve_env(stage_container, secrets)["TUNEDIN_PSEUDONYM_KEY"]
            == secrets[(ref["name"], ref["key"])]
        )


def test_the_trainer_may_not_respell_the_pseudonym_key() -> None:
    error = render_error(sets=("trainer.env.TUNEDIN_PSEUDONYM_KEY=mine",))
    assert "trainer.env.TUNEDIN_PSEUDONYM_KEY: the chart sets it from the API's Secret" in error


def test_the_api_can_write_the_ledger_on_the_claim() -> None:
    pod = one(render(), "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "artifacts"]
    [volume] = [v for v in pod["volumes"] if v["name"] == "artifacts"]
    assert not mount.get("readOnly") and not volume["persistentVolumeClaim"].get("readOnly")


@pytest.mark.parametrize(
    ("flag", "complaint"),
    [("erasures.scheduel=@hourly", "scheduel"), ("erasures.enabled=maybe", "enabled")],
)
def test_helm_rejects_bad_erasure_values(flag: str, complaint: str) -> None:
    assert complaint in render_error(sets=(flag,))


def test_the_stated_bound_is_the_charts_and_the_default_deadline_is_above_it() -> None:
    objs = render()
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    runner = pipeline_job_specs(objs)["runner"]
    bound_s = 2 * values["retrain"]["timeoutSeconds"] + 300
    assert runner["activeDeadlineSeconds"] == bound_s  # what the README and values.yaml state
    readme = " ".join((CHART_DIR / "README.md").read_text(encoding="utf-8").split())
    stated = (
        "within one schedule period plus the runner's `activeDeadlineSeconds`, "
        "2 × `retrain.timeoutSeconds` + 300 s"
    )
    assert stated in readme
    hours, minutes = divmod(bound_s // 60, 60)
    assert re.search(rf"1 h \+ {hours} h {minutes} min with the defaults", readme)
    deadline_h = CommonSettings.model_fields["erasure_deadline_h"].default
    assert deadline_h * 3600 > 3600 + bound_s  # an hourly check plus the runner's deadline
