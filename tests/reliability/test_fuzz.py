"""schemathesis against the API's own OpenAPI schema, every operation, on the real stack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bench.reliability import Report, Scale
from tests.reliability.conftest import StackFactory

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def test_schemathesis_against_own_schema(
    start_stack: StackFactory, scale: Scale, report: Report, tmp_path: Path
) -> None:
    api, _ = start_stack()
    ndjson = tmp_path / "events.ndjson"
    cli = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{api.base}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(scale.fuzz_examples),
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "6",
            "--workers",
            "2",
            "--request-timeout",
            "10",
            "--continue-on-failure",
            "--no-shrink",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(ndjson),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    scale.results_dir.mkdir(parents=True, exist_ok=True)
    (scale.results_dir / "schemathesis.txt").write_text(output)
    operations: set[str] = set()
    cases = 0
    statuses: dict[str, int] = {}
    failures: list[str] = []
    if ndjson.is_file():
        for line in ndjson.read_text().splitlines():
            event = json.loads(line)
            for kind, body in event.items():
                if kind == "ScenarioFinished":
                    recorder = body.get("recorder", {})
                    operations.add(recorder.get("label", ""))
                    for interactions in recorder.get("interactions", {}).values():
                        response = interactions.get("response")
                        if response:
                            cases += 1
                            code = str(response.get("status_code"))
                            statuses[code] = statuses.get(code, 0) + 1
                    for checks in recorder.get("checks", {}).values():
                        for check in checks:
                            if check.get("status") == "FAILURE":
                                failures.append(f"{recorder.get('label')}: {check.get('name')}")
    operations.discard("")
    summary_failures = re.findall(r"(ST\d+ [^:\n]+): (\d+)", output.split("SUMMARY")[-1])
    failures += [f"{name}: {count}" for name, count in summary_failures]
    generated = re.search(r"(\d+) generated", output)
    cases = max(cases, int(generated.group(1)) if generated else 0)
    failing_requests = sorted(set(re.findall(r"curl -X (\w+ .*?http://127\.0\.0\.1:\d+\S*)", output)))
    schema_ops = _schema_operations(api.base)
    passed = result.returncode == 0 and not failures and operations >= schema_ops and cases > 0
    report.record(
        "fuzzing: schemathesis",
        passed,
        schemathesis="4.32.5",
        checks=CHECKS,
        max_examples_per_operation=scale.fuzz_examples,
        operations=len(operations),
        operations_in_schema=len(schema_ops),
        requests=cases,
        statuses=dict(sorted(statuses.items())),
        failures=sorted(set(failures))[:30],
        failing_requests=failing_requests[:15],
        exit_code=result.returncode,
        summary=output[-1500:],
    )
    assert operations >= schema_ops, f"not fuzzed: {sorted(schema_ops - operations)}"
    assert not failures and result.returncode == 0, output[-6000:]


def _schema_operations(base: str) -> set[str]:
    import httpx

    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}
