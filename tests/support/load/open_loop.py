"""An open-loop HTTP/1.1 load generator on bare asyncio protocols (run it under uvloop).

Request ``i`` has an *intended* send time on a fixed schedule and is handed to the pool then,
whether or not earlier requests have answered; its latency runs from that intended time to the
last byte of its answer, so a stalled server is charged for the whole queue behind the stall
(no coordinated omission). A pool of keep-alive connections carries one request each at a time;
a request that finds none idle waits in a FIFO backlog, also on the clock. A GET whose
keep-alive connection closes before any byte of its answer is retried once on another
connection (a new one: the pool's others may lead to the same dead peer), as HTTP clients
and proxies retry idempotent requests (RFC 9110 §9.2.2); the
answer says so (``retried``), and its latency still runs from the first intended time.

No streams, no client library: one protocol object per connection that writes prepared request
bytes and parses only the status line and ``Content-Length``, so the generator spends little
CPU next to the server it measures on the same machine (bench/api.json reports it).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

Done = Callable[["Answer"], None]


@dataclass(frozen=True)
class Answer:
    """What became of one request: ``status`` 0 when no HTTP answer came (``error`` says why)."""

    intended: float  # perf_counter time the request was due
    finished: float  # perf_counter time its answer (or failure) arrived
    status: int
    head: bytes = b""  # the status line and headers, lower-cased
    body: bytes = b""
    error: str | None = None
    sent: float | None = None  # perf_counter time it was written to a connection (None: never)
    retried: bool = False  # its first connection closed before answering; this is the retry's

    @property
    def latency_s(self) -> float:
        return self.finished - self.intended

    def header(self, name: bytes) -> str | None:
        """A response header's value (``name`` lower-case), or None."""
        at = self.head.find(b"\r\n" + name + b":")
        if at < 0:
            return None
        start = at + len(name) + 3
        stop = self.head.find(b"\r\n", start)
        return self.head[start : stop if stop >= 0 else len(self.head)].strip().decode("latin-1")


def request_bytes(
    method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> bytes:
    """One HTTP/1.1 keep-alive request, ready to write (a JSON body when given, and ``headers``,
    e.g. ``Authorization``)."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    if body is None:
        return f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n".encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{extra}Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Connection(asyncio.Protocol):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.intended = 0.0
        self.sent_at = 0.0
        self.done: Done | None = None
        self.request = b""
        self.retried = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.done is not None and self._may_retry():
            done, self.done = self.done, None
            self.pool.retry(self, self.intended, self.request, done)
            return
        if self.done is not None:
            reason = self.pool.lost_reason(self, exc)
            self._finish(
                Answer(
                    self.intended,
                    time.perf_counter(),
                    0,
                    error=reason,
                    sent=self.sent_at,
                    retried=self.retried,
                )
            )
        self.pool.lost(self)

    def _may_retry(self) -> bool:
        """A GET not retried yet, not timed out, and with no byte of its answer read."""
        return (
            not self.retried
            and not self.buffer
            and self.request.startswith(b"GET ")
            and self not in self.pool.timed_out
        )

    def send(self, intended: float, request: bytes, done: Done, retried: bool = False) -> None:
        assert self.transport is not None
        self.intended, self.done, self.sent_at = intended, done, time.perf_counter()
        self.request, self.retried = request, retried
        self.transport.write(request)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.done is None:
            return
        head = self.buffer[:end].lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:  # every answer of the API has one; without it the body's end is unknown
            self.buffer = b""
            now = time.perf_counter()
            self._finish(
                Answer(
                    self.intended,
                    now,
                    0,
                    head,
                    error="no content-length",
                    sent=self.sent_at,
                    retried=self.retried,
                )
            )
            self.abort()
            return
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        status = int(head[9:12]) if head.startswith(b"http/1.") else 0
        self._finish(
            Answer(
                self.intended,
                time.perf_counter(),
                status,
                head,
                body,
                sent=self.sent_at,
                retried=self.retried,
            )
        )
        self.pool.idle_again(self)

    def _finish(self, answer: Answer) -> None:
        done, self.done = self.done, None
        assert done is not None
        done(answer)


class Pool:
    """``connections`` keep-alive connections to ``host:port``; ``submit`` sends or queues.

    A request unanswered after ``timeout_s`` has its connection aborted (error ``timeout``);
    a lost connection fails its request and is replaced. With ``max_pending`` requests already
    queued or in flight, a new one is shed at once (error ``shed``): the server is far behind.
    """

    def __init__(
        self, host: str, port: int, connections: int, timeout_s: float = 15.0, max_pending: int | None = None
    ) -> None:
        self.host, self.port, self.size = host, port, connections
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self.idle: collections.deque[_Connection] = collections.deque()  # FIFO: all stay warm
        self.busy: set[_Connection] = set()
        self.backlog: collections.deque[tuple[float, bytes, Done, bool]] = collections.deque()
        self.timed_out: set[_Connection] = set()
        self.closing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return len(self.busy) + len(self.backlog)

    async def open(self) -> None:
        for _ in range(self.size):
            await self._connect()
        self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def close(self) -> None:
        self.closing = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        for connection in [*self.idle, *self.busy]:
            connection.abort()

    def submit(self, intended: float, request: bytes, done: Done, retried: bool = False) -> None:
        if self.max_pending is not None and self.pending >= self.max_pending and not retried:
            done(Answer(intended, time.perf_counter(), 0, error="shed"))
        elif self.idle:
            self._send(self.idle.popleft(), intended, request, done, retried)
        else:
            self.backlog.append((intended, request, done, retried))

    def _send(
        self, connection: _Connection, intended: float, request: bytes, done: Done, retried: bool = False
    ) -> None:
        self.busy.add(connection)
        connection.send(intended, request, done, retried)

    def idle_again(self, connection: _Connection) -> None:
        self.busy.discard(connection)
        if self.backlog:
            self._send(connection, *self.backlog.popleft())
        else:
            self.idle.append(connection)

    def lost_reason(self, connection: _Connection, exc: Exception | None) -> str:
        if connection in self.timed_out:
            return "timeout"
        return type(exc).__name__ if exc is not None else "connection closed"

    def retry(self, connection: _Connection, intended: float, request: bytes, done: Done) -> None:
        """Send a lost GET again on a new connection, which then replaces the lost one."""
        self.busy.discard(connection)
        self.timed_out.discard(connection)
        if connection in self.idle:
            self.idle.remove(connection)
        task = asyncio.get_running_loop().create_task(self._connect(intended, request, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def lost(self, connection: _Connection) -> None:
        self.busy.discard(connection)
        self.timed_out.discard(connection)
        if connection in self.idle:
            self.idle.remove(connection)
        if not self.closing:
            task = asyncio.get_running_loop().create_task(self._connect())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _connect(
        self, intended: float | None = None, request: bytes = b"", done: Done | None = None
    ) -> None:
        """A new connection into the pool; with a request (a retry), which it carries first."""
        loop = asyncio.get_running_loop()
        while not self.closing:
            try:
                _, connection = await loop.create_connection(lambda: _Connection(self), self.host, self.port)
            except OSError:  # the server is restarting its workers: try again shortly
                await asyncio.sleep(0.05)
                continue
            if done is not None and intended is not None:
                self._send(connection, intended, request, done, retried=True)
            else:
                self.idle_again(connection)
            return
        if done is not None and intended is not None:  # closing: the retry is not sent
            done(Answer(intended, time.perf_counter(), 0, error="closed before the retry", retried=True))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            now = time.perf_counter()
            for connection in [c for c in self.busy if now - c.sent_at > self.timeout_s]:
                self.timed_out.add(connection)
                connection.abort()


async def run_schedule(
    pool: Pool, requests: list[bytes], rate: int, done: Callable[[int, Answer], None], start: float
) -> None:
    """Submit ``requests[i]`` at ``start + i / rate``; ``done(i, answer)`` as each finishes."""
    for i, request in enumerate(requests):
        intended = start + i / rate
        delay = intended - time.perf_counter()
        if delay > 0.0002:
            await asyncio.sleep(delay)
        pool.submit(intended, request, functools.partial(done, i))


async def run_to_end(
    pool: Pool,
    requests: list[bytes],
    rate: int,
    done: Callable[[int, Answer], None],
    start: float,
    timeout_s: float | None = None,
) -> float:
    """``run_schedule``, then wait until every request has its answer (at most ``timeout_s``
    after the last was due); the seconds from ``start`` to then."""
    left = len(requests)
    finished = asyncio.get_running_loop().create_future()

    def counted(i: int, answer: Answer) -> None:
        nonlocal left
        done(i, answer)
        left -= 1
        if left == 0 and not finished.done():
            finished.set_result(None)

    await run_schedule(pool, requests, rate, counted, start)
    if requests:
        await asyncio.wait([finished], timeout=timeout_s)
    return time.perf_counter() - start
