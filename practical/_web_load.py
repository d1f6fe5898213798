"""A closed-loop HTTP/1.1 load generator that runs in a process of its own.

Measuring a server with a client in the server's own event loop measures the client: an
``httpx`` request costs about as much CPU as the server spends answering it, so 100 in-process
clients saturate the loop they share with the server and report their own queueing as latency.
Here ``concurrency`` keep-alive connections, each sending its next request as soon as the last
answer arrived, run in a separate Python process on the standard library alone (a few tens of
microseconds per request). The load is bounded twice: at most ``requests`` requests and at most
``duration`` seconds. Only loopback addresses are accepted.

Run it as a script (``python practical/_web_load.py URL [URL ...] --requests N ...``): it prints one
JSON object. :func:`run_load` does that from asyncio and returns a :class:`LoadResult` per URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SCRIPT = Path(__file__).resolve()


@dataclass(frozen=True)
class LoadResult:
    """What one URL got: counts, the wall time of the whole run, latency percentiles (ms)."""

    url: str
    requests: int
    ok: int
    errors: int
    seconds: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        """Answered requests per second over the whole run."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values by the nearest-rank method (0 when empty)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))]


def _target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"load is sent to http://127.0.0.1 only, not {url!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, parts.port or 80, path


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server keeps the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head[9:12])
    keep = "connection: close" not in head
    if "transfer-encoding: chunked" in head:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status, keep
    marker = head.find("content-length:")
    if marker < 0:
        raise ValueError("an answer without Content-Length or chunked encoding")
    length = int(head[marker + 15 : head.index("\r\n", marker)])
    await reader.readexactly(length)
    return status, keep


async def _drive(
    urls: list[str], requests: int, concurrency: int, duration: float
) -> dict[str, dict[str, float]]:
    """Send ``requests`` requests round-robin over ``urls`` on ``concurrency`` connections."""
    targets = [_target(url) for url in urls]
    latencies: list[list[float]] = [[] for _ in urls]
    statuses: list[dict[int, int]] = [{} for _ in urls]
    errors = [0] * len(urls)
    issued = 0
    deadline = time.perf_counter() + duration

    async def connection() -> None:
        nonlocal issued
        streams: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        try:
            while issued < requests and time.perf_counter() < deadline:
                index = issued % len(targets)
                issued += 1
                host, port, path = targets[index]
                start = time.perf_counter()
                try:
                    if (host, port) not in streams:
                        streams[(host, port)] = await asyncio.open_connection(host, port)
                    reader, writer = streams[(host, port)]
                    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                    status, keep = await asyncio.wait_for(
                        _read_answer(reader), max(0.1, deadline - start + 5)
                    )
                except (
                    OSError,
                    ValueError,
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    TimeoutError,
                ):
                    errors[index] += 1
                    _close(streams.pop((host, port), None))
                    continue
                latencies[index].append(time.perf_counter() - start)
                statuses[index][status] = statuses[index].get(status, 0) + 1
                if not keep:
                    _close(streams.pop((host, port), None))
        finally:
            for pair in streams.values():
                _close(pair)

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    report: dict[str, dict[str, float]] = {}
    for url, times, codes, failed in zip(urls, latencies, statuses, errors, strict=True):
        ordered = sorted(times)
        report[url] = {
            "requests": len(ordered),
            "ok": codes.get(200, 0),
            "errors": failed,
            "seconds": seconds,
            "mean_ms": (sum(ordered) / len(ordered) * 1000) if ordered else 0.0,
            **{f"p{q}_ms": percentile(ordered, q / 100) * 1000 for q in (50, 95, 99)},
            "max_ms": (ordered[-1] * 1000) if ordered else 0.0,
        }
    return report


def _close(pair: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if pair is not None:
        pair[1].close()


async def run_load(
    urls: list[str], requests: int, concurrency: int, duration: float = 30.0
) -> dict[str, LoadResult]:
    """Run the generator in a child process against ``urls`` and return its figures per URL."""
    for url in urls:
        _target(url)
    script = str(SCRIPT)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        *urls,
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), duration + 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(
            f"the load generator did not finish within {duration + 30:g} s"
        ) from None
    if process.returncode != 0:
        raise RuntimeError(
            f"the load generator failed: {err.decode(errors='replace').strip()[-300:]}"
        )
    return {url: LoadResult(url=url, **figures) for url, figures in json.loads(out).items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "urls", nargs="+", help="http://127.0.0.1:PORT/path (requests go round-robin)"
    )
    parser.add_argument(
        "--requests", type=int, default=2000, help="at most this many requests in all"
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="keep-alive connections, each closed-loop"
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help="stop issuing after this many seconds"
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.duration <= 0:
        raise SystemExit("--requests, --concurrency and --duration must be positive")
    drive = _drive(args.urls, args.requests, args.concurrency, args.duration)
    try:  # uvloop, when installed, halves the generator's CPU per request: more of it left for the server
        import uvloop

        report = uvloop.run(drive)
    except ImportError:
        report = asyncio.run(drive)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
