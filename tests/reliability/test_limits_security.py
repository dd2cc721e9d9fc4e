"""Rate limits, deletion, security limits and headers, no key material in logs, and /metrics
under gunicorn."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.reliability.conftest import StackFactory, Stacks
from tests.support.api_stack import PSEUDONYM_KEY, ApiStack, metric, scrape
from tests.support.key_leaks import access_key_ids, every_key, key_leaks, read_texts
from tests.support.keys import ApiKeys
from tests.support.load.mixed_load import Catalogue
from tests.support.redis_server import REDIS_PASSWORD, DurableRedis, iter_redis_dump
from tests.support.reliability_report import Report, Scale
from tunedin_api.keys.keyfile import new_key, read_key_file
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore
from tunedin_common.erasures import ErasureLedger

INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/work/|redis://|RedisError|ConnectionError|Exception|"
    + re.escape(REDIS_PASSWORD)
    + "|"
    + re.escape(PSEUDONYM_KEY)
)


def _client(address: str, base: str, headers: dict[str, str]) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, headers=headers, timeout=10)


def test_rate_limits(start_stack: StackFactory, catalogue: Catalogue, report: Report) -> None:
    api, _ = start_stack(TUNEDIN_RATE_LIMIT_USER="30/minute", TUNEDIN_RATE_LIMIT_CLIENT="30/minute")
    hot, calm = catalogue.users[0], catalogue.users[1]
    a, b = _client("127.0.0.1", api.base, api.headers), _client("127.0.0.2", api.base, api.headers)
    with a, b:
        over_user = [a.get(f"/v1/users/{hot}/recommendations") for _ in range(70)]
        calm_user = [a.get(f"/v1/users/{calm}/recommendations") for _ in range(10)]
        over_client = [a.get("/v1/artists", params={"q": "a"}) for _ in range(70)]
        other_client = [b.get("/v1/artists", params={"q": "a"}) for _ in range(10)]
    limited = [r for r in over_user + over_client if r.status_code == 429]
    retry_ok = all(
        r.headers.get("Retry-After", "").isdigit() and 1 <= int(r.headers["Retry-After"]) <= 60
        for r in limited
    )
    user_429 = sum(r.status_code == 429 for r in over_user)
    client_429 = sum(r.status_code == 429 for r in over_client)
    unaffected = [r.status_code for r in calm_user + other_client]
    counted = metric(scrape(api.base), "tunedin_rate_limited_total")
    passed = user_429 >= 10 and client_429 >= 10 and retry_ok and set(unaffected) == {200}
    report.record(
        "rate limits",
        passed,
        limits="30/minute per user and per client address",
        user_over_limit_429=user_429,
        client_over_limit_429=client_429,
        retry_after_values=sorted({r.headers.get("Retry-After") for r in limited}),
        other_user_and_other_client_statuses=sorted(set(unaffected)),
        rate_limited_metric=counted,
    )
    assert user_429 >= 10 and client_429 >= 10, (user_429, client_429)
    assert retry_ok, [r.headers.get("Retry-After") for r in limited]
    assert set(unaffected) == {200}, unaffected


def _files_mentioning(roots: list[Path], needles: list[bytes], since: float) -> list[str]:
    hits = []
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else []:
            if path.is_file() and path.stat().st_mtime >= since:
                data = path.read_bytes()
                hits += [f"{path}: {n.decode()}" for n in needles if n in data]
    return hits


def _receipt_problems(user: int, response: httpx.Response) -> list[str]:
    """What is wrong with a DELETE's answer: 202, ``Location`` of the receipt, the receipt itself."""
    if response.status_code != 202:
        return [f"{user}: {response.status_code} {response.text[:200]}"]
    body = response.json()
    steps = {step["step"]: step["status"] for step in body.get("steps", [])}
    problems = []
    if response.headers.get("Location") != f"/v1/erasures/{body.get('erasure_id')}":
        problems.append(f"{user}: Location {response.headers.get('Location')!r}")
    if body.get("user_id") != user or body.get("status") != "in_progress":
        problems.append(f"{user}: user_id {body.get('user_id')}, status {body.get('status')}")
    if steps.get("suppressed") != "done" or steps.get("caches_purged") != "done":
        problems.append(f"{user}: steps {steps}")
    if not body.get("waiting_for") or not body.get("due_by"):
        problems.append(f"{user}: waiting_for {body.get('waiting_for')!r}, due_by {body.get('due_by')!r}")
    return problems


def test_deletion_leaves_nothing(
    start_stack: StackFactory, store: ArtifactStore, catalogue: Catalogue, report: Report
) -> None:
    """DELETE answers 202 with the receipt; then nothing keyed to the user is left in Redis, the
    metrics or the store but the erasure's own record (the keyed subject in the ledger and in the
    shared set every process tests), and the user is served as a newcomer."""
    api, server = start_stack()
    trained, stranger = max(catalogue.users), 987654321
    artists = catalogue.artists[:5]
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:
        for user in (trained, stranger):
            for artist in artists:
                assert (
                    http.post(
                        "/v1/feedback", json={"user_id": user, "artist_id": artist, "event": "like"}
                    ).status_code
                    == 202
                )
            for _ in range(3):
                assert http.get(f"/v1/users/{user}/recommendations").status_code == 200
            assert http.get(f"/v1/users/{user}/history").status_code == 200
        before = http.get(f"/v1/users/{trained}/recommendations").json()["strategy"]
        receipts = {u: http.delete(f"/v1/users/{u}") for u in (trained, stranger)}
    problems = [p for u, r in receipts.items() for p in _receipt_problems(u, r)]
    removed = {u: r.json().get("removed", {}) for u, r in receipts.items() if r.status_code == 202}
    problems += [
        f"{u}: removed {counts}"
        for u, counts in removed.items()
        if counts.get("history_events") != len(artists) or counts.get("feedback_log_entries") != len(artists)
    ]
    ledger = ErasureLedger(store.root)
    client: redis.Redis = server.client()
    members: Any = client.smembers(keys.ERASED_SET)  # redis-py's sync and async types in one union
    erased_set = {bytes(m) for m in members}
    leftovers: list[str] = []
    record_missing: list[str] = []
    for user in (trained, stranger):
        token = re.compile(rf"(^|[:/]){user}($|[:/])".encode())
        pseudonym = keys.pseudonym(PSEUDONYM_KEY.encode(), user).encode()
        if pseudonym not in erased_set:
            record_missing.append(f"{user}: not in {keys.ERASED_SET}")
        if pseudonym.decode() not in ledger.subjects():
            record_missing.append(f"{user}: not in the ledger {ledger.root}")
        for key, value in iter_redis_dump(client):
            if key == keys.ERASED_SET.encode():
                continue  # the erasure's record: subjects only
            if token.search(key) or pseudonym in key or pseudonym in value:
                leftovers.append(f"redis {key.decode()}")
        roots = [api.metrics_dir, store.root, api.log_path.parent]
        leftovers += [
            hit
            for hit in _files_mentioning(roots, [pseudonym], api.started_at)
            if not hit.startswith(f"{ledger.root}/")  # the erasure's record: the subject only
        ]
        files_written = [api.metrics_dir, store.root]
        leftovers += _files_mentioning(
            files_written, [f"/{user}/".encode(), f":{user}:".encode()], api.started_at
        )
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:  # after the scan
        history_after = {u: http.get(f"/v1/users/{u}/history").json() for u in (trained, stranger)}
        strategy_after = http.get(f"/v1/users/{trained}/recommendations").json()["strategy"]
        stored = {u: http.get(r.headers.get("Location", "/v1/erasures/none")) for u, r in receipts.items()}
    served_after = {
        u: {"events": len(h["events"]), "top_artists": len(h["top_artists"])}
        for u, h in history_after.items()
    }
    newcomer = strategy_after != "model" and all(
        v == {"events": 0, "top_artists": 0} for v in served_after.values()
    )
    receipts_stored = all(
        r.status_code == 200
        and r.json()["erasure_id"] == receipts[u].json()["erasure_id"]
        and "user_id" not in r.json()
        for u, r in stored.items()
    )
    log_lines = sum(1 for line in api.log_text().splitlines() if f"/users/{trained}" in line)
    passed = not problems and not leftovers and not record_missing and newcomer and receipts_stored
    report.record(
        "deletion: DELETE /v1/users/{id}",
        passed,
        users=[trained, stranger],
        statuses={str(u): r.status_code for u, r in receipts.items()},
        receipts={str(u): r.json() for u, r in receipts.items()},
        receipt_problems=problems,
        leftovers=leftovers[:20],
        erasure_record_missing=record_missing,
        scanned="every Redis key and value (SCAN), metrics dir, artifact store; pseudonym also in logs; "
        f"exempt: the erasure's own record (the keyed subject in {keys.ERASED_SET} and the ledger)",
        trained_user_strategy={"before": before, "after": strategy_after},
        history_after=served_after,
        receipts_by_location={str(u): r.status_code for u, r in stored.items()},
        access_log_lines_with_user_path=log_lines,
    )
    assert not problems, problems
    assert not leftovers, leftovers
    assert not record_missing, record_missing
    assert newcomer, (strategy_after, served_after)
    assert receipts_stored, {u: r.text[:300] for u, r in stored.items()}


def test_security_limits_and_headers(
    start_stack: StackFactory, catalogue: Catalogue, scale: Scale, stacks: Stacks, report: Report
) -> None:
    allowed = "https://app.tunedin.example"
    api, server = start_stack(TUNEDIN_CORS_ORIGINS=f'["{allowed}"]', TUNEDIN_LOG_LEVEL="DEBUG")
    user, artist = catalogue.users[0], catalogue.artists[0]
    findings: dict[str, object] = {}
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:
        big = http.post(
            "/v1/recommendations",
            content=b'{"artist_ids": [' + b"1," * 20000 + b"1]}",
            headers={"Content-Type": "application/json"},
        )
        chunks = (b"x" * 4096 for _ in range(10))
        chunked = http.post("/v1/feedback", content=chunks, headers={"Content-Type": "application/json"})
        findings["body_limit"] = {"content_length": big.status_code, "chunked": chunked.status_code}
        bad = [
            http.post("/v1/feedback", content=b"{not json", headers={"Content-Type": "application/json"}),
            http.post("/v1/feedback", json={"user_id": "x' OR 1=1", "artist_id": [], "event": "drop"}),
            http.post("/v1/feedback", json={"user_id": 2**70, "artist_id": artist, "event": "play"}),
            http.get("/v1/users/-1/recommendations"),
            http.get(f"/v1/users/{user}/recommendations", params={"k": "1e9", "diversity": "nan"}),
            http.get(f"/v1/users/{user}/recommendations", params={"tags": "\x00" * 50}),
            http.get("/v1/artists/../../etc/passwd/similar"),
            http.get("/v1/artists", params={"q": "%" * 5000}),
            http.delete("/v1/users/abc"),
            http.request("PATCH", "/v1/feedback"),
            http.post("/v1/feedback", content=b'{"user_id": 1}', headers={"Content-Type": "text/plain"}),
            http.get("/v1/model", headers={"Authorization": ""}),
            http.get("/v1/model", headers=ApiKeys.bearer(api.keys.revoked)),
            big,
            chunked,
        ]
        server.stop()
        time.sleep(0.5)
        bad.append(http.post("/v1/feedback", json={"user_id": user, "artist_id": artist, "event": "play"}))
        bad.append(http.delete(f"/v1/users/{user}"))
        server.start()
        leaks = [
            f"{r.request.method} {r.request.url.path} {r.status_code}: {r.text[:200]}"
            for r in bad
            if INTERNALS.search(r.text)
        ]
        server_errors = [
            f"{r.request.method} {r.request.url.path} {r.status_code}"
            for r in bad
            if r.status_code >= 500 and r.status_code != 503
        ]
        evil = "https://evil.example"
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        evil_pre = http.options("/v1/feedback", headers={"Origin": evil, **preflight})
        evil_get = http.get(f"/v1/users/{user}/recommendations", headers={"Origin": evil})
        good_pre = http.options("/v1/feedback", headers={"Origin": allowed, **preflight})
        good_get = http.get(f"/v1/users/{user}/recommendations", headers={"Origin": allowed})
    cors = {
        "evil_preflight_acao": evil_pre.headers.get("access-control-allow-origin"),
        "evil_get_acao": evil_get.headers.get("access-control-allow-origin"),
        "allowed_preflight_acao": good_pre.headers.get("access-control-allow-origin"),
        "allowed_get_acao": good_get.headers.get("access-control-allow-origin"),
    }
    cors_ok = (
        cors["evil_preflight_acao"] is None
        and cors["evil_get_acao"] is None
        and cors["allowed_preflight_acao"] == allowed
        and cors["allowed_get_acao"] == allowed
    )
    log = api.log_text()
    secrets_in_log = [
        name
        for name, secret in (("redis password", REDIS_PASSWORD), ("pseudonym key", PSEUDONYM_KEY))
        if secret in log
    ]
    body_ok = big.status_code == 413 and chunked.status_code == 413
    passed = body_ok and not leaks and not server_errors and cors_ok and not secrets_in_log
    report.record(
        "security: limits, errors, CORS, logs",
        passed,
        **findings,
        bad_inputs_tried=len(bad),
        statuses=sorted({r.status_code for r in bad}),
        internals_in_error_bodies=leaks,
        server_errors=server_errors,
        cors=cors,
        secrets_in_log=secrets_in_log,
        log_bytes_scanned=len(log),
        log_level="DEBUG",
    )
    assert body_ok, findings
    assert not leaks, leaks
    assert not server_errors, server_errors
    assert cors_ok, cors
    assert not secrets_in_log, secrets_in_log
    _no_key_material_in_logs(api, server, catalogue, scale, stacks, report)


def _no_key_material_in_logs(
    api: ApiStack, server: DurableRedis, cat: Catalogue, scale: Scale, stacks: Stacks, report: Report
) -> None:
    """Every kind of key, on routes it may and may not use, also where no key belongs (another
    scheme, another header, the query string); then no log of the stack or of the suite so far
    holds a key, its secret or its sha256, nor the key prefix at all; the access lines name the
    key id of each key that was let in."""
    keys = api.keys
    _, unknown = new_key(read_key_file(keys.file))
    sent = {
        **{f"{scope} key": key for scope, key in keys.by_scope.items()},
        "revoked key": keys.revoked,
        "unknown key": unknown,
        "admin id, wrong secret": f"tdk_{keys.key_id(keys.admin)}_{'y' * 43}",
        "malformed key": "tdk_malformed",
    }
    feedback = {"user_id": cat.users[0], "artist_id": cat.artists[0], "event": "play"}
    statuses: dict[str, list[int]] = {}
    with httpx.Client(base_url=api.base, timeout=10) as http:
        for name, key in sent.items():
            bearer = ApiKeys.bearer(key)
            answers = [
                http.get("/v1/model", headers=bearer),
                http.post("/v1/feedback", json=feedback, headers=bearer),
                http.get(f"/v1/users/{cat.users[0]}/history", headers=bearer),
                http.get("/v1/model", headers={"Authorization": f"Token {key}"}),
                http.get("/v1/model", headers={"X-API-Key": key}),
                http.get("/v1/model", params={"api_key": key}),
            ]
            statuses[name] = [r.status_code for r in answers]
    time.sleep(0.5)  # the workers' last access lines
    log = api.log_text()
    texts = {str(api.log_path): log}
    texts |= {f"redis {k}": v for k, v in read_texts(server.directory.rglob("*")).items()}
    own = [*every_key(keys), *sent.values()]
    leaks = key_leaks(texts, own)
    # what the suite wrote so far: the other stacks' API logs, schemathesis' output, the report
    others: list[str] = []
    for stack in stacks.started:
        if stack is not api:
            others += key_leaks({str(stack.log_path): stack.log_text()}, every_key(stack.keys))
    session_keys = [key for stack in stacks.started for key in every_key(stack.keys)]
    suite_texts = read_texts([scale.results_dir / "schemathesis.txt"])
    suite_texts["report so far"] = json.dumps(report.sections, default=str)
    others += key_leaks(suite_texts, session_keys)
    logged_ids = {key_id for key_id in access_key_ids(log) if key_id}
    active_ids = {keys.key_id(key) for key in keys.by_scope.values()}
    unnamed = sorted(active_ids - logged_ids)
    revoked_named = keys.key_id(keys.revoked) in logged_ids
    passed = not leaks and not others and not unnamed and not revoked_named
    report.record(
        "security: no key material in logs",
        passed,
        keys_sent=list(sent),
        statuses=statuses,
        looked_for="each key in full, its secret part, its sha256; the key prefix",
        scanned=sorted(texts) + sorted(suite_texts) + [f"{len(stacks.started) - 1} other API logs"],
        log_level="DEBUG",
        log_bytes_scanned=len(log),
        leaks=leaks[:20],
        leaks_elsewhere=others[:20],
        active_key_ids_in_access_lines=sorted(active_ids & logged_ids),
        active_key_ids_missing=unnamed,
        revoked_key_id_in_access_lines=revoked_named,
    )
    assert not leaks, leaks
    assert not others, others
    assert not unnamed, f"key ids not in the access log: {unnamed}"
    assert not revoked_named, "a revoked key was logged as the caller's"


def test_metrics_under_gunicorn(start_stack: StackFactory, catalogue: Catalogue, report: Report) -> None:
    """/metrics of the stack exactly as `make api` starts it (no PROMETHEUS_MULTIPROC_DIR preset),
    cross-checked against every metric the chart's Grafana dashboard and alerts query."""
    api, _ = start_stack(multiproc_env=False)
    with httpx.Client(base_url=api.base, headers=api.headers, timeout=10) as http:
        for user in catalogue.users[:50]:
            assert http.get(f"/v1/users/{user}/recommendations").status_code == 200
        text = http.get("/metrics").text
    served = metric(scrape(api.base), "tunedin_http_requests_total")
    names = sorted(
        {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line.startswith("tunedin_")}
    )
    passed = served >= 50
    report.record(
        "telemetry: /metrics under gunicorn (as make api starts it)",
        passed,
        http_requests_counted=served,
        exposed_metric_names=names[:20],
        metrics_bytes=len(text),
    )
    assert served >= 50, f"/metrics counted {served} requests after 50 were served ({len(text)} bytes)"
    queried = queried_metric_names()
    assert {"tunedin_http_request_duration_seconds", "tunedin_cache_requests_total"} <= queried
    exported = {re.sub(r"_(bucket|count|sum|created)$", "", name) for name in names}
    # No experiment runs here, so its per-variant series do not exist yet: tests/api's
    # test_experiment_stack cross-checks those under gunicorn while one runs.
    missing = sorted(name for name in queried - exported if not name.startswith("tunedin_experiment_"))
    assert not missing, f"the chart's dashboard or alerts query metrics /metrics does not export: {missing}"


_CHART = Path(__file__).resolve().parents[2] / "charts" / "tunedin"


def queried_metric_names() -> set[str]:
    """Every ``tunedin_*`` metric the Grafana dashboard and the PrometheusRule query."""
    sources = [_CHART / "dashboards" / "tunedin-api.json", _CHART / "templates" / "prometheusrule.yaml"]
    found: set[str] = set()
    for source in sources:
        for name in re.findall(r"\btunedin_[a-z0-9_]+", source.read_text(encoding="utf-8")):
            base = name
            for suffix in ("_bucket", "_count", "_sum"):
                base = base.removesuffix(suffix)
            found.add(base)
    return found
