"""A fault-injecting HTTP/1.1 TCP proxy of our own, for the reliability tests and the bench.

It runs an asyncio loop in a background thread, listens on 127.0.0.1 and forwards
to one upstream (the embedded server). It understands HTTP/1.1 framing just enough
(``Content-Length`` and chunked bodies) to apply a fault to one request/reply
exchange at a time:

* link shaping for every exchange: one-way latency with jitter and a bandwidth cap
  per direction, shared by all connections (a single 3G link);
* ``HANG``: the request is swallowed, no reply ever comes (until the client gives up);
* ``HANG_AFTER_COMMIT``: the request reaches the server, the reply is withheld;
* ``RESET_MID_REQUEST``: half the request reaches the server, then both sides get a RST;
* ``RESET_AFTER_COMMIT``: the whole request reaches the server, the proxy reads the
  server's whole reply (so the server has committed), then RSTs the client;
* ``TRUNCATE_REPLY``: half of the reply reaches the client, then the connection dies.

Faults come from a seeded :class:`FaultSchedule` (per connection and request
number) or are forced with :meth:`FaultProxy.force`. ``offline = True`` resets
every new connection (no network). Optionally TLS is terminated here
(``ssl_context``) so the client sees an HTTPS server.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from tests import timing

MAX_HEAD = 64 * 1024


class Fault(StrEnum):
    NONE = "none"
    HANG = "hang"
    HANG_AFTER_COMMIT = "hang_after_commit"
    RESET_MID_REQUEST = "reset_mid_request"
    RESET_AFTER_COMMIT = "reset_after_commit"
    TRUNCATE_REPLY = "truncate_reply"


@dataclass(frozen=True, slots=True)
class LinkShape:
    """One-way latency (s) with uniform jitter (s), and a bandwidth cap (bit/s) per direction."""

    latency_s: float = 0.0
    jitter_s: float = 0.0
    bandwidth_bps: float | None = None


@dataclass(slots=True)
class FaultSchedule:
    """Seeded choice of a fault per exchange.

    Args:
        seed: the random seed (same seed, same faults for the same traffic).
        weights: fault → relative weight; ``NONE`` gets whatever weight it is given.
        paths: only requests whose path contains one of these get a fault.
    """

    seed: int = 0
    weights: dict[Fault, float] = field(default_factory=lambda: {Fault.NONE: 1.0})
    paths: tuple[str, ...] = ()
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def choose(self, conn_no: int, req_no: int, method: str, path: str) -> Fault:
        if self.paths and not any(p in path for p in self.paths):
            return Fault.NONE
        faults = list(self.weights)
        return self._rng.choices(faults, weights=[self.weights[f] for f in faults])[0]


@dataclass(slots=True)
class _Direction:
    """Shared state of one direction of the shaped link."""

    free_at: float = 0.0
    last_delivery: float = 0.0


class _Dropped(Exception):
    pass


class FaultProxy:
    """A proxy from ``127.0.0.1:port`` to ``upstream_host:upstream_port``.

    Use as a context manager or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        shape: LinkShape | None = None,
        schedule: FaultSchedule | None = None,
        ssl_context: ssl.SSLContext | None = None,
        hang_s: float = timing.seconds(30.0),
        seed: int = 0,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.shape = shape or LinkShape()
        self.schedule = schedule
        self.ssl_context = ssl_context
        self.hang_s = hang_s
        self.offline = False
        self.port = 0
        self.bytes_up = 0  # client -> server, as put on the shaped link
        self.bytes_down = 0
        self.exchanges: Counter[str] = Counter()
        self.faults: Counter[Fault] = Counter()
        self.log: list[tuple[str, str, Fault]] = []  # (method, path, fault)
        self._forced: list[tuple[Fault, tuple[str, ...]]] = []
        self._filter: Callable[[str, str], bool] | None = None
        self._jitter_rng = random.Random(seed)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._up = _Direction()
        self._down = _Direction()
        self._conn_no = 0

    # ----------------------------------------------------------- control

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def force(self, fault: Fault, count: int = 1, paths: tuple[str, ...] = ()) -> None:
        """The next ``count`` exchanges (whose path contains one of ``paths``) get ``fault``."""
        with self._lock:
            self._forced.extend([(fault, paths)] * count)

    def clear_forced(self) -> None:
        with self._lock:
            self._forced.clear()

    def reset_stats(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = 0
            self.exchanges.clear()
            self.faults.clear()
            self.log.clear()

    def start(self) -> FaultProxy:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(
                asyncio.start_server(
                    self._handle, "127.0.0.1", 0, ssl=self.ssl_context, limit=MAX_HEAD * 16
                )
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="faultproxy", daemon=True)
        self._thread.start()
        if not ready.wait(timing.seconds(10)):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timing.seconds(10))
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timing.seconds(10))
        self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------- plumbing

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self._serve(reader, writer)
        except (asyncio.CancelledError, _Dropped):
            pass
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ssl.SSLError,
            OSError,
        ):
            pass
        finally:
            _rst(writer)
            self._tasks.discard(task)  # type: ignore[arg-type]

    def _pick(self, conn_no: int, req_no: int, method: str, path: str) -> Fault:
        with self._lock:
            for i, (fault, paths) in enumerate(self._forced):
                if not paths or any(p in path for p in paths):
                    del self._forced[i]
                    return fault
        if self.schedule is None:
            return Fault.NONE
        return self.schedule.choose(conn_no, req_no, method, path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.offline:
            return
        self._conn_no += 1
        conn_no = self._conn_no
        req_no = 0
        while True:
            request = await _read_message(reader, request=True)
            if request is None:
                return
            if self.offline:
                return
            req_no += 1
            method, path = _request_line(request)
            fault = self._pick(conn_no, req_no, method, path)
            with self._lock:
                self.exchanges[f"{method} {path.split('?')[0]}"] += 1
                self.faults[fault] += 1
                self.log.append((method, path, fault))
            if fault is Fault.HANG:
                await self._hang(reader)
                return
            # One upstream connection per exchange: the client keeps its connection to
            # the proxy alive, but an upstream one kept across requests would be closed
            # by the server's idle keep-alive timeout (uvicorn: 5 s) and surface as a
            # reset no real link would give (a busy machine makes such gaps common).
            up_reader, up_writer = await asyncio.open_connection(
                *self.upstream, limit=MAX_HEAD * 16
            )
            if fault is Fault.RESET_MID_REQUEST:
                try:
                    await self._send(up_writer, request[: max(1, len(request) // 2)], self._up)
                finally:
                    _rst(up_writer)
                return
            try:
                await self._send(up_writer, request, self._up)
                reply = await _read_message(up_reader, request=False)
            except BaseException:
                _rst(up_writer)
                raise
            up_writer.close()
            if reply is None:
                return
            if fault is Fault.RESET_AFTER_COMMIT:
                return  # the finally of _handle RSTs the client
            if fault is Fault.HANG_AFTER_COMMIT:
                await self._hang(reader)
                return
            if fault is Fault.TRUNCATE_REPLY:
                await self._send(writer, reply[: max(1, len(reply) // 2)], self._down)
                return
            await self._send(writer, reply, self._down)

    async def _hang(self, reader: asyncio.StreamReader) -> None:
        deadline = time.monotonic() + self.hang_s
        while time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), timeout=0.2)
            except TimeoutError:
                continue
            if not chunk:  # the client gave up
                return

    async def _send(self, writer: asyncio.StreamWriter, data: bytes, d: _Direction) -> None:
        """Deliver ``data`` as the shaped link would: serialised at the bandwidth, then delayed."""
        shape = self.shape
        now = time.monotonic()
        if shape.bandwidth_bps:
            start = max(now, d.free_at)
            d.free_at = start + len(data) * 8 / shape.bandwidth_bps
            done = d.free_at
        else:
            done = now
        delay = shape.latency_s
        if shape.jitter_s:
            delay += self._jitter_rng.uniform(-shape.jitter_s, shape.jitter_s)
        deliver = max(done + max(0.0, delay), d.last_delivery)  # no reordering on one link
        d.last_delivery = deliver
        wait = deliver - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        with self._lock:
            if d is self._up:
                self.bytes_up += len(data)
            else:
                self.bytes_down += len(data)
        writer.write(data)
        await writer.drain()


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) rather than a FIN."""
    transport = writer.transport
    if transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _request_line(message: bytes) -> tuple[str, str]:
    line = message.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return (parts[0], parts[1]) if len(parts) >= 2 else (line, "")


async def _read_message(reader: asyncio.StreamReader, *, request: bool) -> bytes | None:
    """One whole HTTP/1.1 message (head and body) as bytes; None at a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    chunks = [head]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunks.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:
                    trailer = await reader.readuntil(b"\r\n")
                    chunks.append(trailer)
                    if trailer == b"\r\n":
                        break
                break
            chunks.append(await reader.readexactly(size + 2))
    elif "content-length" in headers:
        chunks.append(await reader.readexactly(int(headers["content-length"])))
    elif not request:
        status = int(lines[0].split(" ")[1]) if len(lines[0].split(" ")) > 1 else 200
        if not (100 <= status < 200 or status in (204, 304)):
            chunks.append(await reader.read())
    return b"".join(chunks)
