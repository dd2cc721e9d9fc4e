"""Chart.lock pins the kube-prometheus-stack dependency of Chart.yaml with the digest helm computes,
so `helm dependency build` accepts it; downloaded subcharts stay out of git."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.chart.support import CHART_DIR, REPO_ROOT, tool

OUT_OF_SYNC = "the lock file (Chart.lock) is out of sync"
# chart.Dependency's JSON fields in helm's order; empty ones are left out (omitempty), except
# name and repository.
DEPENDENCY_FIELDS = (
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _go_json(dependency: dict[str, Any]) -> dict[str, Any]:
    return {k: dependency[k] for k in DEPENDENCY_FIELDS if dependency.get(k) or k in ("name", "repository")}


def helm_digest(requirements: list[dict[str, Any]], locked: list[dict[str, Any]]) -> str:
    """helm's resolver.HashReq: sha256 of json.Marshal([2][]*chart.Dependency{req, lock})."""
    data = json.dumps(
        [[_go_json(d) for d in requirements], [_go_json(d) for d in locked]], separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def test_the_lock_pins_exactly_the_dependencies_of_chart_yaml() -> None:
    wanted = _yaml(CHART_DIR / "Chart.yaml")["dependencies"]
    lock = _yaml(CHART_DIR / "Chart.lock")
    pinned = [(d["name"], d["version"], d["repository"]) for d in lock["dependencies"]]
    assert pinned == [(d["name"], d["version"], d["repository"]) for d in wanted]
    assert lock["digest"] == helm_digest(wanted, lock["dependencies"])


def test_the_digest_changes_with_the_pinned_version() -> None:
    wanted = _yaml(CHART_DIR / "Chart.yaml")["dependencies"]
    lock = _yaml(CHART_DIR / "Chart.lock")
    bumped = [{**d, "version": d["version"] + "-1"} for d in wanted]
    assert helm_digest(bumped, lock["dependencies"]) != lock["digest"]


def _dependency_build(tmp_path: Path, edit_version: str | None = None) -> str:
    """`helm dependency build` on a copy of the chart, with the dependency's repository known to
    a private helm configuration (what `make helm-deps` adds); returns helm's output."""
    chart = tmp_path / "tunedin"
    shutil.copytree(CHART_DIR, chart, ignore=shutil.ignore_patterns("charts"))
    if edit_version is not None:
        meta = chart / "Chart.yaml"
        text = meta.read_text(encoding="utf-8")
        [dep] = _yaml(meta)["dependencies"]
        meta.write_text(
            text.replace(f'version: "{dep["version"]}"', f'version: "{edit_version}"'), encoding="utf-8"
        )
        assert _yaml(meta)["dependencies"][0]["version"] == edit_version
    config = tmp_path / "config"
    config.mkdir()
    repos = [
        {"name": "prometheus-community", "url": d["repository"]}
        for d in _yaml(chart / "Chart.lock")["dependencies"]
    ]
    (config / "repositories.yaml").write_text(
        yaml.safe_dump({"apiVersion": "", "generated": "0001-01-01T00:00:00Z", "repositories": repos}),
        encoding="utf-8",
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HELM_CONFIG_HOME": str(config),
        "HELM_CACHE_HOME": str(tmp_path / "cache"),
        "HELM_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [tool("helm"), "dependency", "build", str(chart)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return result.stdout + result.stderr


def test_helm_accepts_the_lock(tmp_path: Path) -> None:
    out = _dependency_build(tmp_path)
    # Past the lock check helm fetches the repository index: offline that fails, online it downloads.
    assert OUT_OF_SYNC not in out, out
    assert "prometheus-community" in out, out


def test_helm_refuses_a_lock_out_of_sync_with_chart_yaml(tmp_path: Path) -> None:
    out = _dependency_build(tmp_path, edit_version="88.3.1")
    assert OUT_OF_SYNC in out, out


def test_downloaded_subcharts_are_ignored_by_git() -> None:
    [dep] = _yaml(CHART_DIR / "Chart.yaml")["dependencies"]
    archive = f"charts/tunedin/charts/{dep['name']}-{dep['version']}.tgz"
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", archive],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "charts/tunedin/charts/*.tgz must be in .gitignore"
