"""Rate limits, deletion, security limits and headers, and /metrics under gunicorn."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import redis

from bench.mixed_load import Catalogue
from bench.reliability import PSEUDONYM_KEY, REDIS_PASSWORD, Report, iter_redis_dump, metric, scrape
from tests.reliability.conftest import StackFactory
from tunedin_api.store import keys
from tunedin_common.contract import ArtifactStore

INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/work/|redis://|RedisError|ConnectionError|Exception|"
    + re.escape(REDIS_PASSWORD)
    + "|"
    + re.escape(PSEUDONYM_KEY)
)


def _client(address: str, base: str) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_rate_limits(start_stack: StackFactory, catalogue: Catalogue, report: Report) -> None:
    api, _ = start_stack(TUNEDIN_RATE_LIMIT_USER="30/minute", TUNEDIN_RATE_LIMIT_CLIENT="30/minute")
    hot, calm = catalogue.users[0], catalogue.users[1]
    a, b = _client("127.0.0.1", api.base), _client("127.0.0.2", api.base)
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


def test_deletion_leaves_nothing(
    start_stack: StackFactory, store: ArtifactStore, catalogue: Catalogue, report: Report
) -> None:
    api, server = start_stack()
    trained, stranger = max(catalogue.users), 987654321
    artists = catalogue.artists[:5]
    with httpx.Client(base_url=api.base, timeout=10) as http:
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
        receipts = {u: http.delete(f"/v1/users/{u}") for u in (trained, stranger)}
    client: redis.Redis = server.client()
    leftovers: list[str] = []
    for user in (trained, stranger):
        token = re.compile(rf"(^|[:/]){user}($|[:/])".encode())
        pseudonym = keys.pseudonym(PSEUDONYM_KEY.encode(), user).encode()
        for key, value in iter_redis_dump(client):
            if token.search(key) or pseudonym in key or pseudonym in value:
                leftovers.append(f"redis {key.decode()}")
        roots = [api.metrics_dir, store.root, api.log_path.parent]
        leftovers += _files_mentioning(roots, [pseudonym], api.started_at)
        files_written = [api.metrics_dir, store.root]
        leftovers += _files_mentioning(
            files_written, [f"/{user}/".encode(), f":{user}:".encode()], api.started_at
        )
    with httpx.Client(base_url=api.base, timeout=10) as http:  # after the scan: it counts a request
        history_after = http.get(f"/v1/users/{stranger}/history").json()
    log_lines = sum(1 for line in api.log_text().splitlines() if f"/users/{trained}" in line)
    passed = (
        all(r.status_code == 200 for r in receipts.values()) and not leftovers and not history_after["events"]
    )
    report.record(
        "deletion: DELETE /v1/users/{id}",
        passed,
        users=[trained, stranger],
        receipts={str(u): r.json() for u, r in receipts.items()},
        leftovers=leftovers[:20],
        scanned="every Redis key and value (SCAN), metrics dir, artifact store; pseudonym also in logs",
        access_log_lines_with_user_path=log_lines,
    )
    assert all(r.status_code == 200 for r in receipts.values()), {u: r.text for u, r in receipts.items()}
    assert not leftovers, leftovers
    assert not history_after["events"], history_after


def test_security_limits_and_headers(start_stack: StackFactory, catalogue: Catalogue, report: Report) -> None:
    allowed = "https://app.tunedin.example"
    api, server = start_stack(TUNEDIN_CORS_ORIGINS=f'["{allowed}"]', TUNEDIN_LOG_LEVEL="DEBUG")
    user, artist = catalogue.users[0], catalogue.artists[0]
    findings: dict[str, object] = {}
    with httpx.Client(base_url=api.base, timeout=10) as http:
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


def test_metrics_under_gunicorn(start_stack: StackFactory, catalogue: Catalogue, report: Report) -> None:
    """/metrics of the stack exactly as `make api` starts it (no PROMETHEUS_MULTIPROC_DIR preset),
    cross-checked against every metric the chart's Grafana dashboard and alerts query."""
    api, _ = start_stack(multiproc_env=False)
    with httpx.Client(base_url=api.base, timeout=10) as http:
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
    missing = sorted(queried - exported)
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
