"""A small HTTP load generator for loopback only, bounded in request count and time.

Closed loop (`load`): N keep-alive connections, each sending GET after GET: the server's capacity.
Open loop (`load_at_rate`): GETs due at a fixed rate over a pool of keep-alive connections, latency
counted from when each was due: the latency a client sees at that load.

Plain asyncio streams speaking HTTP/1.1, so the client costs a few tens of microseconds per request
and the figures are the server's, not the client's (an httpx client would cost more CPU per request
than the server on a 2-core machine). Every answer is checked (status 200 and a complete body).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    path: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    body_bytes: int
    offered_rps: float | None = None  # open loop: the rate requests were sent at

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


class BadAnswer(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """(status, body length) of one HTTP/1.1 response; reads the body whole."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        length = int(headers["content-length"])
        await reader.readexactly(length)
        return status, length
    if headers.get("transfer-encoding", "").lower() == "chunked":
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            total += size
            if size == 0:
                return status, total
    raise BadAnswer("a response without Content-Length or chunked encoding")


async def _run(host: str, port: int, path: str, concurrency: int, duration_s: float, max_requests: int,
               warmup_s: float, headers: dict[str, str]) -> LoadResult:
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    latencies: list[float] = []
    errors = 0
    body_bytes = 0
    sent = 0
    loop = asyncio.get_running_loop()
    measuring_from = loop.time() + warmup_s
    stop_at = measuring_from + duration_s

    async def connection() -> None:
        nonlocal errors, body_bytes, sent
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                now = loop.time()
                if now >= stop_at or sent >= max_requests:
                    return
                counted = now >= measuring_from
                if counted:
                    sent += 1
                started = time.perf_counter()
                writer.write(request)
                status, length = await _read_response(reader)
                elapsed = time.perf_counter() - started
                if not counted:
                    continue
                if status != 200:
                    errors += 1
                    continue
                latencies.append(elapsed)
                body_bytes = length
        finally:
            writer.close()

    began = None

    async def clock() -> None:
        nonlocal began
        await asyncio.sleep(max(0.0, measuring_from - loop.time()))
        began = time.perf_counter()

    await asyncio.gather(clock(), *(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - (began or time.perf_counter())
    if not latencies:
        raise BadAnswer(f"no successful answer from {path} ({errors} errors)")
    return _summary(path, concurrency, latencies, errors, seconds, body_bytes)


async def _run_open(host: str, port: int, path: str, connections: int, rate: float, duration_s: float,
                    warmup_s: float, headers: dict[str, str]) -> LoadResult:
    """Open loop: requests are due at a fixed rate whatever the answers; each waits for a free connection
    and its latency counts from when it was due (so a slow server cannot hide its queue)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    due: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors = 0
    body_bytes = 0
    total = int(rate * (warmup_s + duration_s))
    first_counted = int(rate * warmup_s)
    start = time.perf_counter()

    async def connection() -> None:
        nonlocal errors, body_bytes
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                item = await due.get()
                if item is None:
                    return
                index, scheduled = item
                writer.write(request)
                status, length = await _read_response(reader)
                if index < first_counted:
                    continue
                if status != 200:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - scheduled)
                body_bytes = length
        finally:
            writer.close()

    async def dispatch() -> None:
        index = 0
        while index < total:
            now = time.perf_counter()
            while index < total and start + index / rate <= now:  # every request due by now
                due.put_nowait((index, start + index / rate))
                index += 1
            await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        for _ in range(connections):
            due.put_nowait(None)

    await asyncio.gather(dispatch(), *(connection() for _ in range(connections)))
    seconds = time.perf_counter() - start - warmup_s
    if not latencies:
        raise BadAnswer(f"no successful answer from {path} ({errors} errors)")
    return _summary(path, connections, latencies, errors, seconds, body_bytes, offered=rate)


def _summary(path: str, concurrency: int, latencies: list[float], errors: int, seconds: float, body_bytes: int,
             offered: float | None = None) -> LoadResult:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return LoadResult(path=path, concurrency=concurrency, requests=len(ordered), errors=errors, seconds=seconds,
                      rps=len(ordered) / seconds, p50_ms=1000 * statistics.median(ordered), p90_ms=pct(0.90),
                      p99_ms=pct(0.99), max_ms=1000 * ordered[-1], body_bytes=body_bytes, offered_rps=offered)


def _check(url: str, concurrency: int, duration_s: float) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        raise ValueError(f"the load generator only targets http://127.0.0.1:PORT, not {url}")
    if not (1 <= concurrency <= 64 and 0 < duration_s <= 60):
        raise ValueError("load is bounded: 1-64 connections and at most 60 s")
    return parts.hostname, parts.port


def load(url: str, path: str, *, concurrency: int = 8, duration_s: float = 5.0, max_requests: int = 20_000,
         warmup_s: float = 0.5, headers: dict[str, str] | None = None) -> LoadResult:
    """Closed loop: GET `path` on `url` (which must be http://127.0.0.1:PORT) from `concurrency`
    connections, each sending its next request when the last is answered, for `duration_s` seconds
    after a `warmup_s` warm-up or until `max_requests` measured requests. Measures capacity."""
    host, port = _check(url, concurrency, duration_s)
    if not 1 <= max_requests <= 200_000:
        raise ValueError("load is bounded: at most 200,000 requests")
    return asyncio.run(asyncio.wait_for(
        _run(host, port, path, concurrency, duration_s, max_requests, warmup_s, headers or {}),
        timeout=warmup_s + duration_s + 30))


def load_at_rate(url: str, path: str, *, rate: float, connections: int = 16, duration_s: float = 5.0,
                 warmup_s: float = 0.5, headers: dict[str, str] | None = None) -> LoadResult:
    """Open loop: `rate` GETs per second (at most 20,000/s, so at most 200,000 requests in 10 s) spread
    over up to `connections` connections. Measures latency at that load."""
    host, port = _check(url, connections, duration_s)
    if not 0 < rate <= 20_000 or rate * (warmup_s + duration_s) > 200_000:
        raise ValueError("load is bounded: at most 20,000 requests/s and 200,000 requests")
    return asyncio.run(asyncio.wait_for(
        _run_open(host, port, path, connections, rate, duration_s, warmup_s, headers or {}),
        timeout=warmup_s + duration_s + 30))
