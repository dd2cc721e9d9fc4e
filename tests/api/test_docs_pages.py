"""The API's own pages work offline: the docs pages name no host but the API's own, every asset
they load is served by the API (with and without the public prefix), and ``/`` leads to them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import api_settings, open_client
from tests.support.redis_server import RedisServer
from tunedin_common.contract import ArtifactStore

_ASSET = re.compile(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""")


def _assets(page: str) -> list[str]:
    """The URLs a docs page loads: scripts, styles, favicon and the schema."""
    return [url for url in _ASSET.findall(page) if not url.startswith("#")]


def _check_page(client: TestClient, path: str, prefix: str) -> list[str]:
    page = client.get(f"{prefix}{path}")
    assert page.status_code == 200, path
    assert page.headers["content-type"].startswith("text/html")
    assets = _assets(page.text)
    assert assets, f"{path} loads nothing: {page.text[:300]}"
    external = [url for url in assets if re.match(r"^(https?:)?//", url)]
    assert not external, f"{prefix}{path} loads from other hosts: {external}"
    for url in assets:
        assert url.startswith(f"{prefix}/"), f"{url} on {prefix}{path} is not under the prefix"
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100, url
    return assets


@pytest.fixture(params=["", "/api"])
def prefix(request: pytest.FixtureRequest) -> str:
    """The API's public prefix: none, or /api as behind the frontend's proxy and the ingress."""
    return str(request.param)


@pytest.fixture
def client(
    published: tuple[ArtifactStore, str],
    redis_server: RedisServer,
    spans: InMemorySpanExporter,
    prefix: str,
) -> Iterator[TestClient]:
    """The app under that prefix, with no API key: its own pages need none."""
    settings = api_settings(published[0], redis_server.url, root_path=prefix)
    with open_client(settings, spans, key=None) as test_client:
        yield test_client


def test_docs_pages_load_every_asset_from_the_api(client: TestClient, prefix: str) -> None:
    swagger = _check_page(client, "/docs", prefix)
    assert any(url.endswith(".js") for url in swagger) and any(url.endswith(".css") for url in swagger)
    assert f"{prefix}/openapi.json" in client.get(f"{prefix}/docs").text
    redoc = _check_page(client, "/redoc", prefix)
    assert any(url.endswith(".js") for url in redoc)
    script = client.get(next(url for url in swagger if url.endswith("swagger-ui-bundle.js")))
    assert "SwaggerUIBundle" in script.text


def test_the_root_leads_to_the_docs(client: TestClient, prefix: str) -> None:
    answer = client.get(f"{prefix}/", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == f"{prefix}/docs"
    assert client.get(f"{prefix}/").status_code == 200  # followed: the docs page
    assert "/" not in client.get(f"{prefix}/openapi.json").json()["paths"]


def test_a_proxy_that_strips_the_prefix_gets_the_same_pages(client: TestClient, prefix: str) -> None:
    # The frontend's nginx passes /api/docs on as /docs: every asset the page names must
    # still be served when it arrives with the prefix taken off.
    page = client.get("/docs")
    assert page.status_code == 200
    for url in _assets(page.text):
        assert url.startswith(f"{prefix}/"), url
        stripped = client.get(url.removeprefix(prefix))
        assert stripped.status_code == 200 and len(stripped.content) > 100, url
    assert client.get("/healthz").json() == {"status": "ok"}
