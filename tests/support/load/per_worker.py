"""Ask every gunicorn worker of a stack directly: fresh connections, each traced (through the
kernel's socket table) to the worker process that accepted it, until every worker has answered."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

import psutil


@dataclass(frozen=True)
class WorkerAnswer:
    pid: int  # the worker that served the connection (0: none of the stack's workers was found)
    path: str
    status: int
    body: Any  # the decoded JSON body (None when there is none or it is not JSON)


def serving_workers(workers: list[int], port: int) -> dict[int, int]:
    """``{client port: pid}`` of every connection to ``port`` that one of ``workers`` holds."""
    held: dict[int, int] = {}
    for pid in workers:
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        for conn in connections:
            if conn.laddr and conn.laddr.port == port and conn.raddr:
                held[conn.raddr.port] = pid
    return held


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


Reply = tuple[str, int, Any]  # path, status, decoded body


def _ask(
    port: int, paths: list[str], headers: dict[str, str], opened: list[http.client.HTTPConnection]
) -> tuple[int, list[Reply]]:
    """A fresh connection (left open, added to ``opened``): its client port and answers to ``paths``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    opened.append(conn)
    conn.connect()
    client_port = conn.sock.getsockname()[1] if conn.sock is not None else 0
    replies: list[Reply] = []
    for path in paths:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        replies.append((path, response.status, _decoded(response.read())))
    return client_port, replies


def ask_each_worker(
    port: int,
    workers: list[int],
    paths: list[str],
    headers: dict[str, str],
    connections: int = 20,
    most: int = 100,
) -> list[WorkerAnswer]:
    """GET each of ``paths`` on ``connections`` fresh keep-alive connections to 127.0.0.1:``port``
    (all open at once), then on as many more (``most`` in all) until each of ``workers`` has
    served one; each answer with the worker that served its connection."""
    answers: list[WorkerAnswer] = []
    made = 0
    while made < most:
        opened: list[http.client.HTTPConnection] = []
        try:
            batch = [_ask(port, paths, headers, opened) for _ in range(min(connections, most - made))]
            held = serving_workers(workers, port)  # while the batch's connections are open
        finally:
            for conn in opened:
                conn.close()
        for client_port, replies in batch:
            pid = held.get(client_port, 0)
            answers += [WorkerAnswer(pid, path, status, body) for path, status, body in replies]
        made += len(batch)
        if set(workers) <= {a.pid for a in answers}:
            break
    return answers
