"""The dashboard, skaffold.yaml and kind-config.yaml against their schemas or real validators."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.chart.support import CHART_DIR, REPO_ROOT, SCHEMAS, by_kind, load_json, render, tool

DASHBOARD = CHART_DIR / "dashboards" / "tunedin-api.json"
PANELS = {
    "Request rate": "tunedin_http_requests_total",
    "Latency p50 / p95 / p99": "tunedin_http_request_duration_seconds_bucket",
    "Error rate (5xx)": 'status=~"5.."',
    "FAISS search latency p50 / p99": "tunedin_faiss_search_duration_seconds_bucket",
    "Cache hit ratio": "tunedin_cache_requests_total",
    "Model version": "tunedin_model_info",
    "API replicas (HPA)": "kube_horizontalpodautoscaler_status_current_replicas",
}


def _grafana() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(load_json(SCHEMAS / "grafana" / "dashboard.jsonschema.json"))


def test_rendered_dashboard_is_a_valid_grafana_dashboard() -> None:
    [cm] = [
        c for c in by_kind(render(), "ConfigMap") if c["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    dashboard = json.loads(cm["data"]["tunedin-api.json"])
    assert dashboard == load_json(DASHBOARD)
    _grafana().validate(dashboard)
    exprs = {p["title"]: " ".join(t["expr"] for t in p.get("targets", [])) for p in dashboard["panels"]}
    for title, needle in PANELS.items():
        assert needle in exprs[title], title
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_grafana_schema_rejects_a_bad_panel() -> None:
    dashboard: dict[str, Any] = load_json(DASHBOARD)
    dashboard["panels"][0]["gridPos"]["h"] = "8"
    with pytest.raises(jsonschema.ValidationError):
        _grafana().validate(dashboard)


def _skaffold() -> tuple[dict[str, Any], jsonschema.Draft7Validator]:
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "skaffold.yaml").read_text(encoding="utf-8"))
    version = config["apiVersion"].removeprefix("skaffold/")
    assert version in ("v4beta11", "v4beta12", "v4beta13", "v4beta14")
    schema_file = SCHEMAS / "skaffold" / f"{version}.json"
    if not schema_file.is_file():
        schema_file = SCHEMAS / "skaffold" / "v4beta14.json"
    return config, jsonschema.Draft7Validator(load_json(schema_file))


def test_skaffold_config_is_valid_and_wires_the_images() -> None:
    config, validator = _skaffold()
    validator.validate(config)
    images = {a["image"]: a["docker"]["dockerfile"] for a in config["build"]["artifacts"]}
    assert images == {
        "tunedin-api": "apps/api/Dockerfile",
        "tunedin-trainer": "apps/trainer/Dockerfile",
        "tunedin-frontend": "apps/frontend/Dockerfile",
    }
    [release] = config["manifests"]["helm"]["releases"]
    assert release["chartPath"] == "charts/tunedin"
    chart_values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    for key, template in release["setValueTemplates"].items():
        component, _, field = key.split(".")
        assert field in chart_values[component]["image"], key
        marker = {"repository": "REPO", "tag": "TAG"}[field]
        assert f"IMAGE_{marker}_tunedin_{component}" in template, key
    [dev] = [p for p in config["profiles"] if p["name"] == "dev"]
    assert {f["resourceName"] for f in dev["portForward"]} >= {"tunedin-api", "tunedin-frontend"}


def test_skaffold_schema_rejects_an_unknown_key() -> None:
    config, validator = _skaffold()
    config["build"]["artifacts"][0]["dockerfile"] = "apps/api/Dockerfile"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(config)


def _kind_create(tmp_path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """`kind create cluster` with a stand-in docker that answers info/ps and refuses the rest."""
    fake = tmp_path / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        '  info) echo \'{"SecurityOptions":[], "CgroupDriver":"systemd", "CgroupVersion":"2"}\';;\n'
        "  ps) ;;\n"
        '  *) echo "stand-in docker refuses: $*" >&2; exit 1;;\n'
        "esac\n",
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {
        **os.environ,
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
    }
    return subprocess.run(
        [tool("kind"), "create", "cluster", "--config", str(config), "--retain=false"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_kind_accepts_the_cluster_config(tmp_path: Path) -> None:
    result = _kind_create(tmp_path, REPO_ROOT / "kind-config.yaml")
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "stand-in docker refuses" in out, out


def test_host_ports_80_and_443_reach_traefiks_node_ports() -> None:
    config = yaml.safe_load((REPO_ROOT / "kind-config.yaml").read_text(encoding="utf-8"))
    [node] = config["nodes"]
    mapped = {m["hostPort"]: m["containerPort"] for m in node["extraPortMappings"]}
    traefik = yaml.safe_load((REPO_ROOT / "kind-traefik-values.yaml").read_text(encoding="utf-8"))
    assert traefik["service"]["type"] == "NodePort"
    ports = traefik["ports"]
    assert mapped == {80: ports["web"]["nodePort"], 443: ports["websecure"]["nodePort"]}
    assert all(30000 <= port <= 32767 for port in mapped.values()), "the default NodePort range"
    # The chart's Ingress and Grafana's carry no class: the default IngressClass serves them.
    assert traefik["ingressClass"] == {"enabled": True, "isDefaultClass": True}
    assert traefik["providers"]["kubernetesIngress"]["enabled"] is True


def test_kind_up_installs_a_pinned_traefik_chart() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "kind-up"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [install] = [line for line in result.stdout.splitlines() if "upgrade --install traefik traefik" in line]
    assert "--repo https://traefik.github.io/charts" in install
    version = install.split("--version ", 1)[1].split()[0]
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version), f"pin the chart version, not {version!r}"
    assert "-f kind-traefik-values.yaml" in result.stdout
    assert "ingress-nginx" not in result.stdout


def test_kind_rejects_a_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad-kind.yaml"
    config = yaml.safe_load((REPO_ROOT / "kind-config.yaml").read_text(encoding="utf-8"))
    config["nodes"][0]["role"] = "captain"
    bad.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = _kind_create(tmp_path, bad)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "stand-in docker refuses" not in out, out
