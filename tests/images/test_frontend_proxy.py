"""The frontend image's /api proxy, run on the host without Docker: its entrypoint
(apps/frontend/nginx/tunedin-frontend.sh) and its nginx.conf under Debian's nginx (the binary
from the package the image installs: nginx on PATH, else `apt-get download nginx` unpacked into
.cache/tools/nginx), in front of a local echo server standing in for the API.

The proxy sends the frontend's API key in place of any Authorization the browser sent, never
passes a browser's through, strips /api, and keeps /api/metrics to itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.support.polling import wait_until
from tests.support.ports import free_port

NGINX_DIR = REPO_ROOT / "apps" / "frontend" / "nginx"
NGINX_CACHE = REPO_ROOT / ".cache" / "tools" / "nginx"
KEY = "tdk_fr0ntend_" + "A1b2-C3d4_" * 4


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found:
        return found
    binary = NGINX_CACHE / "usr" / "sbin" / "nginx"
    if not binary.is_file():
        download = NGINX_CACHE / "deb"
        download.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", "nginx"], cwd=download, check=True, capture_output=True)
        [deb] = download.glob("nginx_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(NGINX_CACHE)], check=True)
    return str(binary)


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with its path and its headers (each occurrence), as JSON."""

    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "headers": [[k.lower(), v] for k, v in self.headers.items()]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _config(tmp: Path, port: int) -> Path:
    """The image's nginx.conf with its paths moved under TMP and the port made free."""
    text = (NGINX_DIR / "nginx.conf").read_text(encoding="utf-8")
    (tmp / "html").mkdir()
    (tmp / "html" / "index.html").write_text("<div id=root></div>", encoding="utf-8")
    moves = {
        "pid /tmp/nginx.pid;": f"pid {tmp}/nginx.pid;",
        "include /etc/nginx/mime.types;": "",
        "/var/cache/nginx/": f"{tmp}/cache-",
        "listen 8080;": f"listen 127.0.0.1:{port};",
        "root /usr/share/tunedin;": f"root {tmp}/html;",
        "include /tmp/nginx/api.conf;": f"include {tmp}/nginx/api.conf;",
    }
    for old, new in moves.items():
        assert old in text, f"nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    # As root nginx would run its workers as nobody, who cannot read the test's private folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(user + text, encoding="utf-8")
    return conf


class _Frontend:
    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.port = free_port()
        conf = _config(tmp, self.port)
        nginx = Path(_nginx())
        path = f"{nginx.parent}:{os.environ['PATH']}"
        self.proc = subprocess.Popen(
            ["sh", str(NGINX_DIR / "tunedin-frontend.sh"), "-c", str(conf), "-p", str(tmp)],
            env={"PATH": path, "TMPDIR": str(tmp), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        def up() -> bool:
            assert self.proc.poll() is None, f"nginx exited: {self.proc.communicate()[0]}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False

        wait_until(up, timeout=20, what="nginx", interval=0.1)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as err:
            return int(err.code), bytes(err.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture
def frontend(tmp_path: Path, upstream: str, request: pytest.FixtureRequest) -> Iterator[_Frontend]:
    env = {"TUNEDIN_API_UPSTREAM": upstream, **getattr(request, "param", {})}
    running = _Frontend(tmp_path, env)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def _authorization(body: bytes) -> list[str]:
    return [v for k, v in json.loads(body)["headers"] if k == "authorization"]


@pytest.mark.parametrize("frontend", [{"TUNEDIN_API_KEY": KEY}], indirect=True)
def test_the_proxy_sends_its_key_in_place_of_the_browsers(frontend: _Frontend) -> None:
    status, body = frontend.get("/api/v1/users/2/recommendations?k=5")
    assert status == 200, body
    assert json.loads(body)["path"] == "/v1/users/2/recommendations?k=5"
    assert _authorization(body) == [f"Bearer {KEY}"]
    status, body = frontend.get(
        "/api/v1/model", {"Authorization": "Bearer tdk_browser0_not-the-frontends-key"}
    )
    assert status == 200 and _authorization(body) == [f"Bearer {KEY}"]
    api_conf = frontend.tmp / "nginx" / "api.conf"
    assert stat.S_IMODE(api_conf.stat().st_mode) == 0o600, "the generated config holds the key"


def test_without_a_key_the_proxy_passes_no_authorization_on(frontend: _Frontend) -> None:
    status, body = frontend.get(
        "/api/v1/model", {"Authorization": "Bearer tdk_browser0_not-the-frontends-key"}
    )
    assert status == 200 and _authorization(body) == []


@pytest.mark.parametrize("frontend", [{"TUNEDIN_API_KEY": KEY}], indirect=True)
@pytest.mark.parametrize(
    "path", ["/api/metrics", "/api/metrics?format=text", "/api//metrics", "/api/./metrics"]
)
def test_the_proxy_keeps_the_metrics_to_itself(frontend: _Frontend, path: str) -> None:
    assert frontend.get(path)[0] == 404
    status, body = frontend.get("/api/healthz")
    assert status == 200 and json.loads(body)["path"] == "/healthz"


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        ("not-a-key", "is not an API key"),
        (KEY + '"; proxy_pass http://elsewhere', "characters an API key never has"),
        (KEY + " x", "characters an API key never has"),
    ],
)
def test_a_malformed_key_stops_the_container(tmp_path: Path, upstream: str, key: str, complaint: str) -> None:
    running = _Frontend(tmp_path, {"TUNEDIN_API_UPSTREAM": upstream, "TUNEDIN_API_KEY": key})
    try:
        output, _ = running.proc.communicate(timeout=20)
    finally:
        running.stop()
    assert running.proc.returncode == 1 and complaint in output, output
    assert not (tmp_path / "nginx" / "api.conf").exists()
