"""The dashboard's Experiment row and the metric names every panel and alert queries.

The row holds a panel per question of a person running a champion/challenger experiment, below
the rest; its expressions run through the real promtool (``promql_expr_test``) on series of a
known experiment, with Grafana's variables filled in, and must give the figures those series
mean: another experiment, another API and another pod must not leak into them. Every ``tunedin_*``
name the dashboard or the PrometheusRule queries is a series the API's metrics module declares.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from tests.chart.support import CHART_DIR, by_kind, load_json, render, tool
from tunedin_api.telemetry import metrics

DASHBOARD = CHART_DIR / "dashboards" / "tunedin-api.json"
MONITORING_ON = str(CHART_DIR / "ci" / "monitoring-on-values.yaml")
EXPERIMENT = "ex-20261201T090000Z-0a1b2c3d"
OTHER = "ex-20261120T090000Z-99999999"  # an earlier experiment: none of its series may count
GRAFANA = {
    "job": "tunedin-api",
    "namespace": "music",
    "experiment": EXPERIMENT,
    "__rate_interval": "5m",
    "__range": "2h",
}
# Title → the metric each Experiment panel is about.
PANELS = {
    "Experiment lists served": "tunedin_experiment_lists_total",
    "Experiment impressions": "tunedin_experiment_impressions_total",
    "Plays / likes / skips per impression (1 h)": "tunedin_experiment_events_total",
    "Plays / likes / skips per impression (time range)": "tunedin_experiment_events_total",
    "Challenger share: served vs configured": "tunedin_experiment_challenger_share",
    "Unrecorded experiment lists (Redis down)": "tunedin_experiment_unrecorded_lists_total",
}
PER_IMPRESSION = {
    ("champion", "play"): 0.5,
    ("champion", "like"): 0.25,
    ("challenger", "play"): 0.75,
    ("challenger", "skip"): 0.125,
}
# (title, refId) → {labels: value} at 3 h into the series below.
EXPECTED: dict[tuple[str, str], dict[str, float]] = {
    ("Experiment lists served", "A"): {'{variant="champion"}': 3, '{variant="challenger"}': 1},
    ("Experiment impressions", "A"): {'{variant="champion"}': 5, '{variant="challenger"}': 3},
    **{
        (title, "A"): {f'{{event="{e}", variant="{v}"}}': r for (v, e), r in PER_IMPRESSION.items()}
        for title in list(PANELS)[2:4]
    },
    ("Challenger share: served vs configured", "A"): {"{}": 0.25},  # lists: 1 of 4 per second
    ("Challenger share: served vs configured", "B"): {"{}": 0.375},  # impressions: 3 of 8
    ("Challenger share: served vs configured", "C"): {"{}": 0.5},  # the configured share
    ("Unrecorded experiment lists (Redis down)", "A"): {"{}": 1},
}


def _dashboard() -> dict[str, Any]:
    found: dict[str, Any] = load_json(DASHBOARD)
    return found


Panels = list[dict[str, Any]]


def _experiment_row() -> tuple[Panels, dict[str, Any], Panels]:
    """The panels before the Experiment row, the row, and the panels after it."""
    panels = _dashboard()["panels"]
    [at] = [i for i, p in enumerate(panels) if p["type"] == "row" and p["title"] == "Experiment"]
    return panels[:at], panels[at], panels[at + 1 :]


def _exprs(panel: dict[str, Any]) -> dict[str, str]:
    return {t["refId"]: t["expr"] for t in panel["targets"]}


def test_the_experiment_row_is_at_the_bottom_with_a_panel_per_question() -> None:
    above, row, below = _experiment_row()
    assert not any(p["type"] == "row" for p in below) and not row["collapsed"]
    assert {p["title"] for p in below} == set(PANELS)
    assert min(p["gridPos"]["y"] for p in below) == row["gridPos"]["y"] + row["gridPos"]["h"]
    assert max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in above) <= row["gridPos"]["y"]
    for panel in below:
        exprs = _exprs(panel)
        assert PANELS[panel["title"]] in " ".join(exprs.values()), panel["title"]
        by_variant = [t for t in panel["targets"] if re.match(r"sum by \([^)]*variant", t["expr"])]
        assert all("{{variant}}" in t["legendFormat"] for t in by_variant), panel["title"]
        for expr in exprs.values():  # the experiment picked above; unrecorded lists carry no id
            assert 'experiment_id="$experiment"' in expr or "unrecorded" in expr, expr
    declared = {f"{name}_total" if kind == "counter" else name for name, kind in _declared().items()}
    queried = set(re.findall(r"\btunedin_experiment_[a-z_]+", " ".join(str(p) for p in below)))
    assert queried == {n for n in declared if n.startswith("tunedin_experiment_")}
    [variable] = [v for v in _dashboard()["templating"]["list"] if v["name"] == "experiment"]
    assert "tunedin_experiment_lists_total" in variable["query"] and variable["sort"] == 2  # newest


def test_panels_tile_the_grid_without_overlapping() -> None:
    panels = _dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: dict[tuple[int, int], str] = {}
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]
        for cell in ((x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])):
            assert cell not in cells, f"{p['title']} overlaps {cells[cell]}"
            cells[cell] = p["title"]


def _declared() -> dict[str, str]:
    """Name → type of every metric the API's metrics module declares."""
    wrappers = [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]
    return {family.name: family.type for m in wrappers for family in m.describe()}


def test_every_queried_tunedin_series_is_one_the_api_declares() -> None:
    series = set()
    for name, kind in _declared().items():
        suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}[kind]
        series |= {name + suffix for suffix in suffixes}
    [rule] = by_kind(render(MONITORING_ON), "PrometheusRule")
    dashboard = _dashboard()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    exprs += [r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]]
    queried = set(re.findall(r"\btunedin_[a-z0-9_]+", " ".join(exprs)))
    assert {"tunedin_experiment_challenger_share", "tunedin_http_requests_total"} <= queried
    assert not queried - series, sorted(queried - series)


def _filled(expr: str) -> str:
    return re.sub(r"\$(\w+)", lambda m: GRAFANA[m.group(1)], expr)


def _series() -> list[dict[str, str]]:
    """Three hours, per minute: the experiment's counters, and others that must not count."""
    job = 'job="tunedin-api", namespace="music"'
    per_minute = {
        ("lists", "champion", ""): 180,
        ("lists", "challenger", ""): 60,
        ("impressions", "champion", ""): 300,
        ("impressions", "challenger", ""): 180,
        **{
            ("events", v, e): r * {"champion": 300, "challenger": 180}[v]
            for (v, e), r in PER_IMPRESSION.items()
        },
    }
    series = []
    for (metric, variant, event), step in per_minute.items():
        labels = f'{job}, experiment_id="{EXPERIMENT}", variant="{variant}"' + (
            f', event="{event}"' if event else ""
        )
        series.append({"series": f"tunedin_experiment_{metric}_total{{{labels}}}", "values": f"0+{step}x180"})
        other = labels.replace(EXPERIMENT, OTHER)
        series.append({"series": f"tunedin_experiment_{metric}_total{{{other}}}", "values": "0+6000x180"})
    share = "tunedin_experiment_challenger_share"
    series += [
        {"series": f'{share}{{{job}, experiment_id="{EXPERIMENT}", pod="api-a"}}', "values": "0.5x180"},
        {"series": f'{share}{{{job}, experiment_id="{EXPERIMENT}", pod="api-b"}}', "values": "0.5x180"},
        {"series": f'{share}{{{job}, experiment_id="{OTHER}", pod="api-a"}}', "values": "0x180"},
        {"series": f"tunedin_experiment_unrecorded_lists_total{{{job}}}", "values": "0+60x180"},
        {
            "series": 'tunedin_experiment_unrecorded_lists_total{job="other", namespace="music"}',
            "values": "0+600x180",
        },
    ]
    return series


def _expr_tests() -> list[dict[str, Any]]:
    _, _, below = _experiment_row()
    exprs = {(p["title"], ref): expr for p in below for ref, expr in _exprs(p).items()}
    assert set(exprs) == set(EXPECTED)
    return [
        {
            "expr": _filled(exprs[key]),
            "eval_time": "3h",
            "exp_samples": [{"labels": labels, "value": value} for labels, value in EXPECTED[key].items()],
        }
        for key in EXPECTED
    ]


def _promtool(tmp_path: Path, expr_tests: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "none.yaml"
    rules.write_text("groups: []\n", encoding="utf-8")
    spec = tmp_path / "tests.yaml"
    test = {"interval": "1m", "input_series": _series(), "promql_expr_test": expr_tests}
    spec.write_text(yaml.safe_dump({"rule_files": [str(rules)], "tests": [test]}), encoding="utf-8")
    return subprocess.run([tool("promtool"), "test", "rules", str(spec)], capture_output=True, text=True)


def test_the_experiment_queries_give_the_figures_of_the_series(tmp_path: Path) -> None:
    result = _promtool(tmp_path, _expr_tests())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_the_expression_tests_can_fail(tmp_path: Path, index: int) -> None:
    case = _expr_tests()[index]
    case["exp_samples"][0]["value"] *= 2
    result = _promtool(tmp_path, [case])
    assert result.returncode != 0, f"{list(EXPECTED)[index]} passes either way"
