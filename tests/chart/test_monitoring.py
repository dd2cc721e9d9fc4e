"""Monitoring is opt-in: kube-prometheus-stack is off by default, our ServiceMonitor and
PrometheusRule render only where a Prometheus operator's CRDs will be there (or when asked for),
Grafana stays inside the release namespace and knows its URL, and the Alertmanager example of the
chart README is a real Alertmanager config (amtool) that routes every TunedIn alert to a receiver."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.chart.support import CHART_DIR, by_kind, render, render_error, tool

CRD_KINDS = ("ServiceMonitor", "PrometheusRule")
OPERATOR_APIS = ("monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule")
README = CHART_DIR / "README.md"


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    return values


def _kinds(*values: str, sets: tuple[str, ...] = (), api_versions: tuple[str, ...] = ()) -> set[str]:
    return {o["kind"] for o in render(*values, sets=sets, api_versions=api_versions)} & set(CRD_KINDS)


def test_the_stack_is_off_by_default_and_nothing_needs_its_crds() -> None:
    assert _values()["kube-prometheus-stack"]["enabled"] is False
    objs = render()
    assert not _kinds()  # a plain install into a cluster without the CRDs cannot fail on them
    # The dashboard is a plain ConfigMap: any Grafana sidecar watching the namespace can load it.
    assert [c for c in by_kind(objs, "ConfigMap") if c["metadata"]["labels"].get("grafana_dashboard") == "1"]


@pytest.mark.parametrize(
    ("sets", "api_versions", "expected"),
    [
        (("kube-prometheus-stack.enabled=true",), (), set(CRD_KINDS)),  # the stack brings the CRDs
        ((), OPERATOR_APIS, set(CRD_KINDS)),  # an operator of the cluster's own
        ((), OPERATOR_APIS[:1], {"ServiceMonitor"}),  # each kind on its own CRD
        (
            ("monitoring.serviceMonitor.enabled=true", "monitoring.prometheusRule.enabled=true"),
            (),
            set(CRD_KINDS),
        ),
        (
            ("kube-prometheus-stack.enabled=true", "monitoring.serviceMonitor.enabled=false"),
            OPERATOR_APIS,
            {"PrometheusRule"},
        ),
    ],
    ids=["stack", "own-operator", "servicemonitor-crd-only", "forced", "turned-off"],
)
def test_operator_objects_render_where_their_crds_are(
    sets: tuple[str, ...], api_versions: tuple[str, ...], expected: set[str]
) -> None:
    assert _kinds(sets=sets, api_versions=api_versions) == expected


def test_enabled_takes_auto_true_or_false_only() -> None:
    assert "serviceMonitor" in render_error(sets=("monitoring.serviceMonitor.enabled=sometimes",))


def test_grafana_reads_only_its_namespace_and_knows_its_url() -> None:
    grafana = _values()["kube-prometheus-stack"]["grafana"]
    assert grafana["rbac"]["namespaced"] is True  # a Role, no ClusterRole that reads every Secret
    namespace = grafana["sidecar"]["dashboards"]["searchNamespace"]
    assert namespace == "{{ .Release.Namespace }}"  # kube-prometheus-stack's own default is ALL
    root_url = urlsplit(grafana["grafana.ini"]["server"]["root_url"])
    ingress = grafana["ingress"]
    assert ingress["enabled"] and root_url.hostname == ingress["hosts"][0]
    assert root_url.path == ingress["path"] and root_url.port is None
    assert root_url.scheme == ("https" if ingress.get("tls") else "http")


def _readme_example() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    [example] = [b for b in blocks if "alertmanager:" in b]
    values: dict[str, Any] = yaml.safe_load(example)
    return values


@pytest.fixture(scope="module")
def alertmanager_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = _readme_example()["kube-prometheus-stack"]["alertmanager"]["config"]
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("amtool"), *args], capture_output=True, text=True, timeout=60, check=False)


def test_readme_example_is_a_valid_alertmanager_config(alertmanager_config: Path) -> None:
    result = _amtool("check-config", str(alertmanager_config))
    assert result.returncode == 0, result.stdout + result.stderr
    # As values it renders the chart with the stack on (our schema accepts it).
    example = alertmanager_config.parent / "values.yaml"
    example.write_text(yaml.safe_dump(_readme_example()), encoding="utf-8")
    assert _kinds(str(example)) == set(CRD_KINDS)


def _receiver(config: Path, labels: dict[str, str]) -> str:
    result = _amtool(
        "config", "routes", "test", f"--config.file={config}", *(f"{k}={v}" for k, v in labels.items())
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_every_tunedin_alert_reaches_a_receiver(alertmanager_config: Path) -> None:
    [rule] = by_kind(render(sets=("kube-prometheus-stack.enabled=true",)), "PrometheusRule")
    alerts = rule["spec"]["groups"][0]["rules"]
    assert alerts and all(a["labels"]["part_of"] == "tunedin" for a in alerts)
    for alert in alerts:
        receiver = _receiver(alertmanager_config, {"alertname": alert["alert"], **alert["labels"]})
        expected = "tunedin-pager" if alert["labels"]["severity"] == "critical" else "tunedin-oncall"
        assert receiver == expected, alert["alert"]
    # The stack's own heartbeat and other teams' alerts do not page TunedIn.
    assert _receiver(alertmanager_config, {"alertname": "Watchdog", "severity": "none"}) == "null"
    assert (
        _receiver(alertmanager_config, {"alertname": "KubePodCrashLooping", "severity": "warning"}) == "null"
    )
