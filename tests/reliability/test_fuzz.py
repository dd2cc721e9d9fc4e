"""schemathesis against the API's own OpenAPI schema, every operation, on the real stack: fuzzed
with the admin key (so that the cases reach the handlers), and every /v1 operation refused as
documented without a key (401) and with a key lacking its scope (403).

The fuzzing erases whichever users its cases name (``DELETE /v1/users/{user_id}`` with the admin
key): it runs on a stack of its own, over a private copy of the store (its ledger) and a Redis of
its own, so no other check sees those erasures; the test checks that the session's source store
has no erasure recorded after it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.reliability.conftest import StackFactory
from tests.support.api_stack import PSEUDONYM_KEY
from tests.support.load.mixed_load import Catalogue
from tests.support.reliability_report import Report, Scale
from tunedin_api.auth import REALM
from tunedin_api.keys.keyfile import Scope, new_key, read_key_file
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger, erasure_id_of

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def test_schemathesis_against_own_schema(
    start_stack: StackFactory,
    store: ArtifactStore,
    source: tuple[ArtifactStore, str, str],
    scale: Scale,
    report: Report,
    tmp_path: Path,
) -> None:
    api, _ = start_stack()
    ndjson = tmp_path / "events.ndjson"
    cli = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{api.base}/openapi.json",
            "--header",
            f"Authorization: Bearer {api.keys.admin}",
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
    erased_by_fuzz = len(ErasureLedger(store.root).requests())
    erased_in_source = len(ErasureLedger(source[0].root).requests())
    passed = (
        result.returncode == 0
        and not failures
        and operations >= schema_ops
        and cases > 0
        and erased_in_source == 0
    )
    report.record(
        "fuzzing: schemathesis",
        passed,
        schemathesis="4.32.5",
        key="admin (Authorization: Bearer, every case)",
        checks=CHECKS,
        max_examples_per_operation=scale.fuzz_examples,
        operations=len(operations),
        operations_in_schema=len(schema_ops),
        requests=cases,
        statuses=dict(sorted(statuses.items())),
        failures=sorted(set(failures))[:30],
        failing_requests=failing_requests[:15],
        exit_code=result.returncode,
        users_erased_by_fuzz_cases=erased_by_fuzz,
        erasures_in_session_source_store=erased_in_source,
        summary=output[-1500:],
    )
    assert operations >= schema_ops, f"not fuzzed: {sorted(schema_ops - operations)}"
    assert not failures and result.returncode == 0, output[-6000:]
    assert statuses.keys() - {"401", "403"}, f"no fuzz case got past the key check: {statuses}"
    assert erased_in_source == 0, "the fuzz cases' erasures reached the store the other checks copy"


def _schema_operations(base: str) -> set[str]:
    import httpx

    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


# ------------------------------------------------------------------ keys and scopes

AUTH_CHECKS = (
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
)
STRANGER = 987654321  # DELETE names this user: a trained one stays served for the other requests


def _valid_calls(cat: Catalogue) -> dict[str, tuple[Scope, dict[str, Any]]]:
    """A request each /v1 operation accepts (as ``Case`` arguments), and the scope it needs."""
    user, artist = cat.users[0], cat.artists[0]
    reads = Scope.RECOMMENDATIONS_READ
    return {
        "GET /v1/users/{user_id}/recommendations": (reads, {"path_parameters": {"user_id": user}}),
        "POST /v1/recommendations": (reads, {"body": {"artist_ids": [artist]}}),
        "GET /v1/artists/{artist_id}/similar": (reads, {"path_parameters": {"artist_id": artist}}),
        "GET /v1/artists": (reads, {"query": {"q": cat.prefixes[0]}}),
        "GET /v1/model": (reads, {}),
        "POST /v1/feedback": (
            Scope.FEEDBACK_WRITE,
            {"body": {"user_id": user, "artist_id": artist, "event": "play"}},
        ),
        "GET /v1/users/{user_id}/history": (Scope.HISTORY_READ, {"path_parameters": {"user_id": user}}),
        "DELETE /v1/users/{user_id}": (Scope.USERS_DELETE, {"path_parameters": {"user_id": STRANGER}}),
        "GET /v1/erasures/{erasure_id}": (
            Scope.USERS_DELETE,
            {"path_parameters": {"erasure_id": erasure_id_of(PSEUDONYM_KEY.encode(), STRANGER)}},
        ),
        "GET /v1/experiments/current": (Scope.ADMIN, {}),  # 404 here: no experiment was started
    }


def test_every_operation_needs_its_key_scope(
    start_stack: StackFactory, catalogue: Catalogue, report: Report
) -> None:
    """Each /v1 operation, with a request it accepts: 401 without a key and with a malformed,
    unknown or revoked one, 403 with every key lacking its scope, neither with its own scope's
    key or the admin key; each answer as the schema documents it (status, body, headers)."""
    import schemathesis
    from schemathesis.core.result import Ok
    from schemathesis.specs.openapi import checks as openapi_checks

    api, _ = start_stack()
    schema = schemathesis.openapi.from_url(f"{api.base}/openapi.json")
    checks = [getattr(openapi_checks, name) for name in AUTH_CHECKS]
    calls = _valid_calls(catalogue)
    keys = api.keys
    _, unknown = new_key(read_key_file(keys.file))  # well-formed, its id in no key file
    admin_id = keys.key_id(keys.admin)
    refused = {
        "none": None,
        "malformed": "tdk_not-a-key",
        "unknown": unknown,
        "admin id, wrong secret": f"tdk_{admin_id}_{'x' * 43}",
        "revoked": keys.revoked,
    }
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise result.err()
        operations.append(result.ok())
    v1 = {f"{op.method.upper()} {op.path}": op for op in operations if op.path.startswith("/v1/")}
    wrong: list[str] = []
    nonconforming: list[str] = []
    statuses: dict[str, dict[str, int]] = {}
    for label, op in sorted(v1.items()):
        if label not in calls:
            continue
        scope, arguments = calls[label]
        tries: list[tuple[str, str | None, set[int], str | None]] = [
            (name, key, {401}, REALM if key is None else f'{REALM}, error="invalid_token"')
            for name, key in refused.items()
        ]
        lacking = f'{REALM}, error="insufficient_scope", scope="{scope}"'
        tries += [
            (f"{other} key", keys.by_scope[other], {403}, lacking)
            for other in Scope
            if other not in (scope, Scope.ADMIN)
        ]
        tries += [(f"{scope} key", keys.by_scope[scope], set(), None), ("admin key", keys.admin, set(), None)]
        statuses[label] = {}
        for name, key, expected, challenge in tries:
            headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
            case = op.Case(**arguments, media_type="application/json" if "body" in arguments else None)
            response = case.call(base_url=api.base, headers=headers)
            statuses[label][name] = response.status_code
            got = ", ".join(response.headers.get("www-authenticate", [])) or None
            if expected and (response.status_code not in expected or got != challenge):
                wrong.append(
                    f"{label} with {name}: {response.status_code} {got!r}, wanted {expected} {challenge!r}"
                )
            if not expected and response.status_code in (401, 403):
                wrong.append(f"{label} with {name}: {response.status_code} {response.text[:120]}")
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except Exception as exc:  # schemathesis raises a group of the failed checks
                nonconforming.append(f"{label} with {name}: {str(exc)[:300]}")
    untested = sorted(set(v1) - set(calls))
    passed = not wrong and not nonconforming and not untested and bool(v1)
    report.record(
        "security: every /v1 operation refuses a missing, bad or out-of-scope key (401/403)",
        passed,
        operations=len(v1),
        keys_tried=[*refused, "each scope's key", "admin key"],
        statuses=statuses,
        wrong=wrong[:20],
        nonconforming_to_schema=nonconforming[:20],
        untested_operations=untested,
        checks=",".join(AUTH_CHECKS),
    )
    assert v1 and not untested, f"/v1 operations without a request in this test: {untested}"
    assert not wrong, wrong
    assert not nonconforming, nonconforming
