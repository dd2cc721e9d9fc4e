"""Helpers for the prepare-data tests: a tiny Last.fm dataset, a local HTTP server, the CLI.

The tiny dataset keeps the real files' quirks: CRLF line ends everywhere but ``artists.dat``,
a Latin-1 ``tags.dat`` with non-ASCII tags, a double-encoded artist name, quotes in names,
an empty pictureURL, and taggings of an artist that ``artists.dat`` does not list.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT

# user → artists they listen to (weight = 100 * user + artist). User 5 is below the default
# min_user_interactions (5); user 7 sits exactly on it. Artist 12 has no listener.
LISTENS = {
    2: list(range(1, 11)),
    3: [1, 2, 3, 4, 5, 6, 7, 8],
    4: [1, 3, 5, 7, 9, 11],
    5: [1, 2, 3],
    7: [2, 4, 6, 8, 10],
}
ARTIST_NAMES = {
    1: "Björk",
    2: "Ballak\u00c3\u00a9 Sissoko",  # "é" double-encoded, as upstream; kept as it is
    3: 'The "Quoted" Band',
    4: "Sigur Rós",
    5: "Motörhead",
    6: "Daft Punk",
    7: "Radiohead",
    8: "Massive Attack",
    9: "Portishead",
    10: "Air",
    11: "Moby",
    12: "Nobody Listens",
}
TAGS = {1: "rock", 2: "pop", 3: "fußball", 4: "indie", 5: "électro"}
# (user, artist, tag): artist 1 gets rock ×3 users, indie ×2, pop ×2 (tie: indie first),
# fußball ×1; user 2 tags artist 1 "rock" twice (counts once); artist 999 is not in artists.dat.
TAGGINGS = [
    (2, 1, 1),
    (3, 1, 1),
    (4, 1, 1),
    (2, 1, 1),
    (2, 1, 2),
    (3, 1, 2),
    (2, 1, 4),
    (3, 1, 4),
    (5, 1, 3),
    (2, 4, 5),
    (3, 999, 1),
    (4, 999, 2),
]
FRIENDS = [(2, 3), (3, 2), (2, 4), (4, 2)]


def tsv(header: str, rows: list[str], crlf: bool = True, encoding: str = "utf-8") -> bytes:
    """A file body: header and rows, each line ended by CRLF (or LF)."""
    end = "\r\n" if crlf else "\n"
    return "".join(line + end for line in [header, *rows]).encode(encoding)


def tiny_files() -> dict[str, bytes]:
    """File name → bytes of a small, valid dataset with the real files' quirks."""
    artists = [
        f"{i}\t{name}\thttp://www.last.fm/music/{i}\t" + ("" if i == 6 else f"http://img/{i}.jpg")
        for i, name in ARTIST_NAMES.items()
    ]
    listens = [f"{u}\t{a}\t{100 * u + a}" for u, artists_ in LISTENS.items() for a in artists_]
    return {
        "artists.dat": tsv("id\tname\turl\tpictureURL", artists, crlf=False),
        "user_artists.dat": tsv("userID\tartistID\tweight", listens),
        "tags.dat": tsv("tagID\ttagValue", [f"{i}\t{t}" for i, t in TAGS.items()], encoding="latin-1"),
        "user_taggedartists.dat": tsv(
            "userID\tartistID\ttagID\tday\tmonth\tyear",
            [f"{u}\t{a}\t{t}\t1\t4\t2009" for u, a, t in TAGGINGS],
        ),
        "user_friends.dat": tsv("userID\tfriendID", [f"{u}\t{f}" for u, f in FRIENDS]),
    }


def replace_line(data: bytes, line: int, new: bytes) -> bytes:
    """``data`` with its 1-based ``line`` replaced by ``new`` (the line end is kept)."""
    lines = data.split(b"\n")
    ending = b"\r" if lines[line - 1].endswith(b"\r") else b""
    lines[line - 1] = new + ending
    return b"\n".join(lines)


def write_files(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def write_zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(prefix + name, data)
    return path


# ------------------------------------------------------------------- HTTP server


@dataclass
class LocalServer:
    """A server on 127.0.0.1 serving a folder; ``requests`` lists the paths it was asked for."""

    base_url: str
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.base_url + name


class _Handler(SimpleHTTPRequestHandler):
    server_state: LocalServer
    cut_body_at: int | None = None

    def do_GET(self) -> None:
        self.server_state.requests.append(self.path)
        super().do_GET()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if self.cut_body_at is None:
            super().copyfile(source, outputfile)
        else:  # the headers promised the whole file: the client sees the connection drop
            outputfile.write(source.read(self.cut_body_at))

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@contextmanager
def http_server(directory: Path, cut_body_at: int | None = None) -> Iterator[LocalServer]:
    """Serve ``directory`` on a free port in a thread; optionally stop every body after N bytes."""
    state = LocalServer(base_url="")
    handler = type("Handler", (_Handler,), {"server_state": state, "cut_body_at": cut_body_at})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- CLI


def run_prepare(
    artifacts: Path, source: str, *args: str, sha256: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m jobs.prepare_data`` with TUNEDIN_ARTIFACTS and TUNEDIN_DATA_SOURCE set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNEDIN_")}
    env.update({"TUNEDIN_ARTIFACTS": str(artifacts), "TUNEDIN_DATA_SOURCE": source})
    if sha256 is not None:
        env["TUNEDIN_DATA_SHA256"] = sha256
    return subprocess.run(
        [sys.executable, "-m", "jobs.prepare_data", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_fails_cleanly(result: subprocess.CompletedProcess[str], artifacts: Path, *words: str) -> str:
    """A non-zero exit, one ``error:`` line last on stderr naming ``words``, nothing left behind."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    for word in words:
        assert word.lower() in errors[0].lower(), errors[0]
    for folder in ("datasets", "cache"):
        left = list((artifacts / folder).iterdir()) if (artifacts / folder).is_dir() else []
        assert left == [], f"{folder} not empty after a failure: {left}"
    return errors[0]
