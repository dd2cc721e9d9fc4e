"""`make up` (scripts/up.sh) as a person runs it: a busy port is refused before anything starts,
Ctrl-C and SIGTERM stop the whole stack with status 0, and only a real crash reads as one.

The stack tests start the real thing: redis-server, the API under gunicorn on a small model the
pipeline's own code trains, and `vite preview` of the frontend build (`make frontend-build`,
which is skipped when the build is current)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.stores import published_store

UP = REPO_ROOT / "scripts" / "up.sh"


def _env(tmp_path: Path, **ports: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
    env.update(
        TUNEDIN_ARTIFACTS=str(tmp_path / "artifacts"),
        TUNEDIN_UP_KEYS_DIR=str(tmp_path / "keys"),
        TUNEDIN_UP_STATE_DIR=str(tmp_path / "state"),
        TUNEDIN_PORT=str(ports.get("api", free_port())),
        TUNEDIN_UP_WEB_PORT=str(ports.get("web", free_port())),
        TUNEDIN_UP_REDIS_PORT=str(ports.get("redis", free_port())),
    )
    return env


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A port something listens on (and answers no Redis PING)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


@pytest.mark.parametrize(
    ("which", "knob", "what"),
    [
        ("api", "TUNEDIN_PORT", "the API"),
        ("web", "TUNEDIN_UP_WEB_PORT", "the frontend"),
        ("redis", "TUNEDIN_UP_REDIS_PORT", "Redis"),
    ],
)
def test_a_busy_port_is_refused_with_its_knob(
    which: str, knob: str, what: str, listener: socket.socket, tmp_path: Path
) -> None:
    port = listener.getsockname()[1]
    result = subprocess.run(
        ["bash", str(UP)], env=_env(tmp_path, **{which: port}), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"port {port} ({what}" in result.stderr
    assert f"{knob}=<port>" in result.stderr
    assert not (tmp_path / "state").exists(), "nothing started, no log opened"


class Stack:
    """scripts/up.sh in its own process group, as a terminal runs it."""

    def __init__(self, tmp_path: Path, artifacts: Path) -> None:
        self.env = {**_env(tmp_path), "TUNEDIN_ARTIFACTS": str(artifacts)}
        self.out = tmp_path / "up.out"
        self.logs = tmp_path / "state" / "up"
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(
                ["bash", str(UP)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def wait_up(self) -> None:
        wait_until(
            lambda: "TunedIn is up" in self.output() or self.process.poll() is not None,
            timeout=180,
            what="make up to start",
        )
        assert "TunedIn is up" in self.output(), self.output()

    def url(self, knob: str, path: str) -> str:
        return f"http://127.0.0.1:{self.env[knob]}{path}"

    def pids(self) -> dict[str, int]:
        """name → pid of what the script started, from its own output."""
        found: dict[str, int] = {}
        for line in self.output().splitlines():
            for name in ("Redis", "API"):
                if line.startswith(f"{name}: started") and "(pid " in line:
                    found[name] = int(line.split("(pid ", 1)[1].split(")", 1)[0].split(",")[0])
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def frontend_build() -> None:
    subprocess.run(["make", "--no-print-directory", "frontend-build"], cwd=REPO_ROOT, check=True, timeout=900)


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published") / "artifacts"
    published_store(root)
    return root


@pytest.fixture
def stack(tmp_path: Path, model_store: Path, frontend_build: None) -> Iterator[Stack]:
    started = Stack(tmp_path, model_store)
    try:
        started.wait_up()
        yield started
    finally:
        started.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _gone(pids: dict[str, int]) -> bool:
    return not any(_alive(pid) for pid in pids.values())


@pytest.mark.parametrize(
    ("send", "sig"), [("group", signal.SIGINT), ("script", signal.SIGTERM)], ids=["ctrl-c", "sigterm"]
)
def test_a_stop_request_ends_everything_with_status_0(stack: Stack, send: str, sig: signal.Signals) -> None:
    with urllib.request.urlopen(stack.url("TUNEDIN_PORT", "/readyz"), timeout=5) as answer:
        assert answer.status == 200
    with urllib.request.urlopen(stack.url("TUNEDIN_UP_WEB_PORT", "/"), timeout=5) as answer:
        assert answer.status == 200
    pids = stack.pids()
    assert set(pids) == {"Redis", "API"}, stack.output()
    # Ctrl-C: the terminal signals the whole foreground process group.
    if send == "group":
        os.killpg(stack.process.pid, sig)
    else:
        stack.process.send_signal(sig)
    assert stack.process.wait(timeout=60) == 0, stack.output()
    output = stack.output()
    assert "TunedIn stopped." in output
    assert "exited unexpectedly" not in output and "see .cache/up" not in output
    wait_until(lambda: _gone(pids), timeout=30, what="the stack's processes to end")


def test_a_crash_stops_the_rest_and_says_which(stack: Stack) -> None:
    pids = stack.pids()
    api = pids["API"]
    workers = Path(f"/proc/{api}/task/{api}/children").read_text().split()
    assert workers, "the API's gunicorn master has no workers"
    pids |= {f"API worker {pid}": int(pid) for pid in workers}  # orphaned by the kill: must end too
    os.kill(api, signal.SIGKILL)
    assert stack.process.wait(timeout=60) == 1
    output = stack.output()
    assert f"api exited unexpectedly (status {128 + signal.SIGKILL})" in output
    assert str(stack.logs / "api.log") in output
    assert "TunedIn stopped." not in output
    wait_until(lambda: _gone(pids), timeout=30, what="the rest of the stack to end")
