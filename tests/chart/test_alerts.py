"""The PrometheusRule's alerts through the real promtool: syntax, and each alert firing on
series that breach it and staying silent on healthy ones."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.support import CHART_DIR, NAMESPACE, by_kind, render, tool

JOB = 'job="tunedin-api", namespace="music"'
# kube-prometheus-stack in the release, so the PrometheusRule renders (monitoring.*.enabled: auto).
MONITORING_ON = str(CHART_DIR / "ci" / "monitoring-on-values.yaml")
ALERTS = (
    "TunedInHighLatency",
    "TunedInHighErrorRate",
    "TunedInLowCacheHitRatio",
    "TunedInAPIDown",
    "TunedInExperimentUnrecordedLists",
)


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    [rule] = by_kind(render(MONITORING_ON), "PrometheusRule")
    path = tmp_path_factory.mktemp("rules") / "tunedin-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}), encoding="utf-8")
    return path


def test_the_five_alerts_with_severity_summary_description(rules_file: Path) -> None:
    rules = yaml.safe_load(rules_file.read_text(encoding="utf-8"))["groups"][0]["rules"]
    assert tuple(r["alert"] for r in rules) == ALERTS
    for r in rules:
        assert r["labels"]["severity"] in {"warning", "critical"}
        assert r["annotations"]["summary"] and r["annotations"]["description"]
    durations = {r["alert"]: r["for"] for r in rules}
    assert durations == {
        "TunedInHighLatency": "5m",
        "TunedInHighErrorRate": "5m",
        "TunedInLowCacheHitRatio": "10m",
        "TunedInAPIDown": "1m",
        "TunedInExperimentUnrecordedLists": "10m",
    }


def test_promtool_check_rules(rules_file: Path) -> None:
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(rules_file)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 rules found" in result.stdout


def _latency(fast: int, slow: int) -> list[dict[str, str]]:
    """Per-minute increments of requests under 0.1 s and between 0.1 s and 0.5 s."""
    series = []
    for le, per_min in (("0.1", fast), ("0.5", fast + slow), ("+Inf", fast + slow)):
        labels = f'{JOB}, route="/v1/users/{{user_id}}/recommendations", method="GET", le="{le}"'
        series.append(
            {
                "series": f"tunedin_http_request_duration_seconds_bucket{{{labels}}}",
                "values": f"0+{per_min}x30",
            }
        )
    return series


def _requests(ok: int, errors: int) -> list[dict[str, str]]:
    base = f'{JOB}, route="/v1/artists/search", method="GET"'
    return [
        {"series": f'tunedin_http_requests_total{{{base}, status="200"}}', "values": f"0+{ok}x30"},
        {"series": f'tunedin_http_requests_total{{{base}, status="503"}}', "values": f"0+{errors}x30"},
    ]


def _cache(hits: int, misses: int) -> list[dict[str, str]]:
    return [
        {
            "series": f'tunedin_cache_requests_total{{{JOB}, level="redis", result="hit"}}',
            "values": f"0+{hits}x30",
        },
        {
            "series": f'tunedin_cache_requests_total{{{JOB}, level="redis", result="miss"}}',
            "values": f"0+{misses}x30",
        },
        # The in-process level is not what the alert watches: all misses here change nothing.
        {
            "series": f'tunedin_cache_requests_total{{{JOB}, level="local", result="miss"}}',
            "values": "0+1000x30",
        },
    ]


def _unrecorded(values: str) -> list[dict[str, str]]:
    return [{"series": f"tunedin_experiment_unrecorded_lists_total{{{JOB}}}", "values": values}]


def _up(values: str) -> list[dict[str, str]]:
    return [{"series": f'up{{{JOB}, pod="tunedin-api-0", instance="10.0.0.1:8000"}}', "values": values}]


def _annotations(alert: str) -> dict[str, str]:
    [rule] = by_kind(render(MONITORING_ON), "PrometheusRule")
    found: dict[str, str] = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == alert)[
        "annotations"
    ]
    return found


def _expected(alert: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    exp_labels = {"severity": _severity(alert), "part_of": "tunedin", **labels}
    return [{"exp_labels": exp_labels, "exp_annotations": _annotations(alert)}]


def _case(
    series: list[dict[str, str]], alert: str, at: str, fires: bool, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    expected = _expected(alert, labels or {}) if fires else []
    return {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": expected}],
    }


def _severity(alert: str) -> str:
    return "critical" if alert in ("TunedInHighErrorRate", "TunedInAPIDown") else "warning"


def _unit_tests() -> list[dict[str, Any]]:
    healthy_up = _up("1x30")
    return [
        # p99 latency: 5 % of requests at 0.1-0.5 s breaches 200 ms; 0.5 % does not.
        _case(_latency(95, 5), "TunedInHighLatency", "12m", True),
        _case(_latency(995, 5), "TunedInHighLatency", "12m", False),
        # ...and the breach must last 5 minutes: not yet pending long enough at 5 m.
        _case(_latency(95, 5), "TunedInHighLatency", "5m", False),
        # 5xx: 10 % fires, 1 % does not.
        _case(_requests(90, 10), "TunedInHighErrorRate", "12m", True),
        _case(_requests(99, 1), "TunedInHighErrorRate", "12m", False),
        # Redis hit ratio: 50 % fires after 10 minutes, 90 % does not.
        _case(_cache(50, 50), "TunedInLowCacheHitRatio", "25m", True),
        _case(_cache(90, 10), "TunedInLowCacheHitRatio", "25m", False),
        _case(_cache(50, 50), "TunedInLowCacheHitRatio", "9m", False),
        # The API target down, or no target at all; healthy targets stay silent.
        _case(_up("1x5 0x20"), "TunedInAPIDown", "10m", True),
        _case(
            [{"series": 'up{job="other", namespace="music"}', "values": "1x30"}],
            "TunedInAPIDown",
            "5m",
            True,
            {"job": "tunedin-api", "namespace": "music"},
        ),
        _case(healthy_up, "TunedInAPIDown", "10m", False),
        _case(_up("1x5 0x20"), "TunedInAPIDown", "6m", False),
        # Experiment lists unrecorded (Redis down) for 10 minutes; not yet at 8; none since 10 m.
        _case(_unrecorded("0+2x30"), "TunedInExperimentUnrecordedLists", "20m", True),
        _case(_unrecorded("0+2x30"), "TunedInExperimentUnrecordedLists", "8m", False),
        _case(_unrecorded("0+2x10 20x20"), "TunedInExperimentUnrecordedLists", "25m", False),
    ]


def _promtool_test(
    tmp_path: Path, rules_file: Path, tests: list[dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "tests.yaml"
    spec.write_text(
        yaml.safe_dump({"rule_files": [str(rules_file)], "evaluation_interval": "1m", "tests": tests}),
        encoding="utf-8",
    )
    return subprocess.run([tool("promtool"), "test", "rules", str(spec)], capture_output=True, text=True)


def test_each_alert_fires_on_a_breach_and_stays_silent_when_healthy(tmp_path: Path, rules_file: Path) -> None:
    result = _promtool_test(tmp_path, rules_file, _unit_tests())
    assert result.returncode == 0, result.stdout + result.stderr
    assert NAMESPACE in JOB


@pytest.mark.parametrize("index", range(len(_unit_tests())))
def test_the_unit_tests_can_fail(tmp_path: Path, rules_file: Path, index: int) -> None:
    """Each case with the opposite expectation must make promtool fail."""
    case = _unit_tests()[index]
    rule_test = case["alert_rule_test"][0]
    alert = rule_test["alertname"]
    rule_test["exp_alerts"] = [] if rule_test["exp_alerts"] else _expected(alert, {})
    result = _promtool_test(tmp_path, rules_file, [case])
    assert result.returncode != 0, f"case {index} ({alert}) passes either way"
