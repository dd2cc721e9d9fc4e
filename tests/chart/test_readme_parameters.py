"""The chart README's Parameters tables are what Bitnami's readme-generator-for-helm makes of the
`## @param` comments in values.yaml: the generator rewrites a copy of the README, which must come out
unchanged. The generator also refuses a value without a comment and a comment without a value."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path

from tests.chart.support import CHART_DIR, REPO_ROOT

VALUES = CHART_DIR / "values.yaml"
README = CHART_DIR / "README.md"
# Installed by `make chart-readme-tool` (npm ci of scripts/chart-readme, which test-chart runs first).
GENERATOR = REPO_ROOT / "scripts" / "chart-readme" / "node_modules" / ".bin" / "readme-generator"
DIFF_LINES = 40


def generate(values: Path, readme: Path) -> subprocess.CompletedProcess[str]:
    """Run the generator as `make chart-readme` does, on these files."""
    if not GENERATOR.is_file():
        raise RuntimeError(f"{GENERATOR} not found: run `make chart-readme-tool`")
    return subprocess.run(
        [str(GENERATOR), "--values", str(values), "--readme", str(readme)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def regenerated_readme(values: Path, tmp_path: Path) -> str:
    """The chart README as the generator rewrites it from these values (on a copy)."""
    copy = tmp_path / "README.md"
    shutil.copyfile(README, copy)
    result = generate(values, copy)
    assert result.returncode == 0, f"readme-generator refused {values.name}:\n{result.stdout}{result.stderr}"
    return copy.read_text(encoding="utf-8")


def values_with_param(tmp_path: Path, key: str, comment: str) -> Path:
    """values.yaml with the `## @param` line of this key replaced by this comment ("" drops it)."""
    text = VALUES.read_text(encoding="utf-8")
    line = re.compile(rf"^ *## @param {re.escape(key)} .*\n", flags=re.MULTILINE)
    found = line.findall(text)
    assert len(found) == 1, f"values.yaml has {len(found)} @param lines for {key}"
    indent = found[0][: len(found[0]) - len(found[0].lstrip())]
    path = tmp_path / "values.yaml"
    path.write_text(line.sub(f"{indent}{comment}\n" if comment else "", text), encoding="utf-8")
    return path


def test_the_readme_parameters_tables_are_generated_from_values_yaml(tmp_path: Path) -> None:
    current = README.read_text(encoding="utf-8")
    fresh = regenerated_readme(VALUES, tmp_path)
    diff = list(
        difflib.unified_diff(current.splitlines(), fresh.splitlines(), "README.md", "generated", lineterm="")
    )
    assert fresh == current, (
        "charts/tunedin/README.md's Parameters tables are stale: run `make chart-readme`\n"
        + "\n".join(diff[:DIFF_LINES])
    )


def test_a_changed_param_description_makes_the_tables_stale(tmp_path: Path) -> None:
    values = values_with_param(tmp_path, "redis.maxmemory", "## @param redis.maxmemory A changed description")
    fresh = regenerated_readme(values, tmp_path)
    assert fresh != README.read_text(encoding="utf-8")
    assert "| A changed description " in fresh


def test_the_generator_refuses_a_value_without_a_param_comment(tmp_path: Path) -> None:
    values = values_with_param(tmp_path, "redis.maxmemory", "")
    copy = tmp_path / "README.md"
    shutil.copyfile(README, copy)
    result = generate(values, copy)
    assert result.returncode != 0
    assert "Missing metadata for key: redis.maxmemory" in result.stdout
