"""What the chart's containers get in their environment, checked against the programs that read it.

* Every API and trainer-image container of every scenario (the defaults and each ci/*-values.yaml)
  starts: its env as the kubelet sets it ($(VAR) expanded, secretKeyRef read from the rendered
  Secrets, a stand-in for a Secret the values say the user manages) is accepted by its program's
  pydantic ``Settings``, and each TUNEDIN_* variable it gets is one that program reads (a Settings
  field or an option of the jobs/ CLI it runs), so a misspelt knob cannot pass silently.
* gunicorn, run with the API container's command line and env, binds, forks, times out and trusts
  proxies as the chart's values say (one spelling per knob: no gunicorn flags in the chart).
* The pseudonym key comes from a Secret: generated on install and kept by ``lookup``, or the
  user's own; never a default baked into the pod.
"""

from __future__ import annotations

import ast
import functools
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer.main
import yaml
from pydantic_settings import BaseSettings

from tests.chart.support import (
    CHART_DIR,
    NAMESPACE,
    RELEASE,
    Obj,
    by_kind,
    one,
    pod_specs,
    render,
    render_error,
    resolve_env,
    scenario_id,
    scenarios,
    secret_values,
)
from tunedin_api.settings import Settings as ApiSettings
from tunedin_trainer.settings import Settings as TrainerSettings

FULL = RELEASE
PROGRAMS: dict[str, type[BaseSettings]] = {"tunedin-api": ApiSettings, "tunedin-trainer": TrainerSettings}
USER_SECRET = "value-of-a-user-managed-secret"
_JOBS_MODULE = re.compile(r"-m\s+(jobs\.\w+)")


def _repository(image: str) -> str:
    """registry/path/tunedin-api:tag@digest → tunedin-api."""
    return image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]


def _user_secrets(values: tuple[str, ...]) -> set[str]:
    """Names the values files give as existingSecret (Secrets the user creates, not the chart)."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "existingSecret" and value:
                    yield str(value)
                yield from walk(value)

    return {name for path in values for name in walk(yaml.safe_load(Path(path).read_text(encoding="utf-8")))}


def _kubelet_env(container: Obj, objs: tuple[Obj, ...], values: tuple[str, ...]) -> dict[str, str]:
    secrets: dict[tuple[str, str], str] = secret_values(objs)
    user = _user_secrets(values)
    fields = {"metadata.namespace": NAMESPACE}
    for item in container.get("env", []):
        source = item.get("valueFrom", {})
        ref = source.get("secretKeyRef")
        if ref and (ref["name"], ref["key"]) not in secrets:
            assert ref["name"] in user, (
                f"{item['name']}: Secret {ref['name']} is neither rendered nor the user's"
            )
            secrets[(ref["name"], ref["key"])] = USER_SECRET
        if "fieldRef" in source:
            path = source["fieldRef"]["fieldPath"]
            fields.setdefault(path, f"value-of-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}")
    return resolve_env(container, secrets, fields)


def settings_from(cls: type[BaseSettings], env: Mapping[str, str]) -> BaseSettings:
    """The program's Settings from exactly this environment."""
    with mock.patch.dict(os.environ, env, clear=True):
        return cls()


def _settings_env(cls: type[BaseSettings]) -> set[str]:
    return {f"TUNEDIN_{name.upper()}" for name in cls.model_fields}


@functools.cache
def _cli_env(module: str) -> frozenset[str]:
    """The env vars the options of a jobs/ CLI read."""
    command = typer.main.get_command(importlib.import_module(module).app)
    group: dict[str, Any] | None = getattr(command, "commands", None)  # a group of subcommands
    commands = list(group.values()) if group is not None else [command]
    names: set[str] = set()
    for cmd in commands:
        for param in cmd.params:
            envvar = param.envvar
            names.update([envvar] if isinstance(envvar, str) else (envvar or []))
    return frozenset(names)


def _containers(objs: tuple[Obj, ...]) -> Iterator[tuple[str, Obj]]:
    for where, pod in pod_specs(objs):
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            if _repository(container["image"]) in PROGRAMS:
                yield f"{where}:{container['name']}", container


@pytest.mark.parametrize("values", scenarios(), ids=scenario_id)
def test_every_api_and_trainer_container_starts_with_its_env(values: tuple[str, ...]) -> None:
    objs = render(*values)
    seen: set[str] = set()
    for where, container in _containers(objs):
        program = _repository(container["image"])
        cls = PROGRAMS[program]
        env = _kubelet_env(container, objs, values)
        settings_from(cls, env)  # raises ValidationError on a value the program refuses
        command = " ".join([*container.get("command", []), *container.get("args", [])])
        modules = set(_JOBS_MODULE.findall(command))
        read = _settings_env(cls).union(*(_cli_env(m) for m in modules))
        unknown = sorted(n for n in env if n.startswith("TUNEDIN_") and n not in read)
        assert not unknown, f"{where}: no program reads {unknown}"
        seen.add(program)
        seen.update(modules)
    assert "tunedin-api" in seen
    pipeline = {"jobs.prepare_data", "jobs.train", "jobs.build_index", "jobs.publish"}
    assert pipeline <= seen or not (pipeline & seen), f"pipeline stages checked: {sorted(pipeline & seen)}"


def test_a_refused_value_fails_the_check() -> None:
    [(_, api)] = [c for c in _containers(render()) if c[0].startswith("Deployment/")]
    env = _kubelet_env(api, render(), ())
    with pytest.raises(ValueError, match="root path"):
        settings_from(ApiSettings, {**env, "TUNEDIN_ROOT_PATH": "api/"})
    assert "TUNEDIN_EPOCS" not in _settings_env(TrainerSettings)  # what the unknown-name check catches


def _gunicorn_config(container: Obj, env: Mapping[str, str], tmp_path: Path) -> dict[str, Any]:
    """`gunicorn <the container's args> --print-config`: gunicorn's resolved settings, after it
    has loaded the app (create_app() with this env), as Python values."""
    assert container["command"] == ["gunicorn"]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    run_env = {**env, "PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [gunicorn, *container["args"], "--print-config"],
        env=run_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    config: dict[str, Any] = {}
    for line in result.stdout.splitlines():
        key, sep, raw = line.partition(" = ")
        if sep:
            try:
                config[key.strip()] = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                config[key.strip()] = raw
    return config


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (
            (),
            {
                "bind": ["0.0.0.0:8000"],
                "workers": 2,
                "timeout": 30,
                "graceful_timeout": 20,
                "forwarded_allow_ips": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
            },
        ),
        (
            (
                "api.containerPort=8123",
                "api.gunicorn.workers=3",
                "api.gunicorn.timeoutSeconds=41",
                "api.gunicorn.gracefulTimeoutSeconds=17",
                "api.trustedProxyCIDRs={10.42.0.0/16}",
            ),
            {
                "bind": ["0.0.0.0:8123"],
                "workers": 3,
                "timeout": 41,
                "graceful_timeout": 17,
                "forwarded_allow_ips": ["10.42.0.0/16"],
            },
        ),
    ],
    ids=["defaults", "overridden"],
)
def test_gunicorn_runs_as_the_values_say(
    sets: tuple[str, ...], expected: dict[str, Any], tmp_path: Path
) -> None:
    objs = render(sets=sets)
    [container] = one(objs, "Deployment", f"{FULL}-api")["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["--config=python:tunedin_api.gunicorn_conf", "tunedin_api.main:create_app()"]
    config = _gunicorn_config(container, _kubelet_env(container, objs, ()), tmp_path)
    assert {key: config[key] for key in expected} == expected
    assert config["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert container["ports"][0]["containerPort"] == int(expected["bind"][0].rsplit(":", 1)[1])


def test_api_env_may_not_respell_what_the_chart_sets() -> None:
    assert "api.env.TUNEDIN_WORKERS: the chart sets TUNEDIN_WORKERS" in render_error(
        sets=("api.env.TUNEDIN_WORKERS=4",)
    )
    assert "trustedProxyCIDRs" in render_error(sets=("api.trustedProxyCIDRs={10.0.0.0/8,ingress}",))


def _pseudonym_ref(objs: tuple[Obj, ...]) -> dict[str, str]:
    [container] = one(objs, "Deployment", f"{FULL}-api")["spec"]["template"]["spec"]["containers"]
    [item] = [e for e in container["env"] if e["name"] == "TUNEDIN_PSEUDONYM_KEY"]
    assert set(item) == {"name", "valueFrom"}, "the key never sits in the pod spec"
    ref: dict[str, str] = item["valueFrom"]["secretKeyRef"]
    return ref


def test_pseudonym_key_is_generated_into_a_secret() -> None:
    objs = render()
    ref = _pseudonym_ref(objs)
    assert ref == {"name": f"{FULL}-api", "key": "pseudonym-key"}
    key = secret_values(objs)[(ref["name"], ref["key"])]
    assert len(key) == 48 and key.isalnum()
    assert key != secret_values(render(sets=("api.replicaCount=3",)))[(ref["name"], ref["key"])]
    assert key != ApiSettings.model_fields["pseudonym_key"].default.get_secret_value()
    annotations = one(objs, "Deployment", f"{FULL}-api")["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/pseudonym-key" in annotations  # a new key restarts the API pods


def test_pseudonym_key_is_kept_across_upgrades() -> None:
    template = (CHART_DIR / "templates" / "api-secret.yaml").read_text(encoding="utf-8")
    assert 'lookup "v1" "Secret" .Release.Namespace $name' in template
    assert "randAlphaNum" in template.split("lookup", 1)[1], "generate only when the lookup finds nothing"


def test_pseudonym_key_from_the_users_secret() -> None:
    objs = render(str(CHART_DIR / "ci" / "existing-secret-values.yaml"))
    assert _pseudonym_ref(objs) == {"name": "my-api-keys", "key": "feedback-hmac"}
    assert not [s for s in by_kind(objs, "Secret") if s["metadata"]["name"] == f"{FULL}-api"]
