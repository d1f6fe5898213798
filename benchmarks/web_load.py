"""Load on the web module's app from a separate process: req/s and P50/P95/P99 per endpoint.

Run: ``uv run python -m benchmarks.web_load`` (``--requests``, ``--concurrency``, ``--rounds``,
``--duration``, ``--uvloop``). The app runs on uvicorn in this process, the upstream of /proxy
in a child process, and the load generator (``practical/_web_load.py``: closed-loop keep-alive
HTTP/1.1 connections, standard library only) in another child process, so the client's CPU is
never charged to the server. Every run is bounded in requests and in seconds, and goes to
127.0.0.1 only. Rows:

- ``/work`` plain and instrumented: a handler that does no work, on the app without and with the
  metrics middleware (the middleware's cost; the target is at most 25%).
- ``/work?seconds=0.1`` at 100 connections: the middleware pattern's load, ideally 1,000 req/s.
- ``/proxy``: one pooled client opened in the app's lifespan, upstream in its own process (the
  target is at least 1,000 req/s at P95 under 200 ms with 50 connections).
- ``/proxy-fresh``: a client per request, the anti-pattern /proxy replaced.

Each row is the best of ``--rounds`` rounds (highest req/s; the median is shown too), because
other processes on a shared machine take CPU at random. ``server CPU/req`` is this process's
CPU time divided by the requests answered: it moves far less with the machine's load than req/s,
and ``1e6 / CPU/req`` is what one free core could serve.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from practical._web_load import LoadResult, run_load
from practical.webserver import Running, serving, upstream_process


@dataclass(frozen=True)
class Row:
    """One endpoint under one load, and what the rounds measured."""

    name: str
    path: str
    concurrency: int
    requests: int
    best: LoadResult
    median_rate: float
    cpu_us: float


@asynccontextmanager
async def _proxy_app() -> AsyncIterator[Running]:
    async with upstream_process() as upstream, serving(upstream=upstream) as running:
        yield running


async def _measure(
    name: str,
    app: Callable[[], AbstractAsyncContextManager[Running]],
    path: str,
    requests: int,
    concurrency: int,
    rounds: int,
    duration: float,
) -> Row:
    async with app() as running:
        url = running.base + path
        await run_load([url], min(requests, 300), min(concurrency, 10), duration)  # warm-up
        results, cpu = [], []
        for _ in range(rounds):
            before = time.process_time()
            result = (await run_load([url], requests, concurrency, duration))[url]
            cpu.append((time.process_time() - before) / max(1, result.requests))
            results.append(result)
    best = max(results, key=lambda r: r.rate)
    return Row(
        name,
        path,
        concurrency,
        requests,
        best,
        statistics.median(r.rate for r in results),
        statistics.median(cpu) * 1e6,
    )


def _print(rows: list[Row]) -> None:
    print(
        f"{'endpoint':<28} {'conns':>5} {'answered':>9} {'req/s':>8} {'median':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'CPU/req':>8}"
    )
    for row in rows:
        r = row.best
        print(
            f"{row.name:<28} {row.concurrency:>5} {r.requests:>9} {r.rate:>8.0f} {row.median_rate:>8.0f} "
            f"{r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} {r.errors:>6} {row.cpu_us:>6.0f}µs"
        )


async def _main(args: argparse.Namespace) -> None:
    n, c, rounds, duration = args.requests, args.concurrency, args.rounds, args.duration
    rows = [
        await _measure(
            "/work plain (no middleware)",
            lambda: serving(instrumented=False),
            "/work?seconds=0",
            n,
            c,
            rounds,
            duration,
        ),
        await _measure("/work instrumented", serving, "/work?seconds=0", n, c, rounds, duration),
        await _measure("/work?seconds=0.1", serving, "/work?seconds=0.1", n, 100, rounds, duration),
        await _measure("/proxy (pooled client)", _proxy_app, "/proxy", n, c, rounds, duration),
        await _measure(
            "/proxy-fresh (client/request)",
            _proxy_app,
            "/proxy-fresh",
            max(100, n // 10),
            c,
            1,
            duration,
        ),
    ]
    _print(rows)
    plain, instrumented, wave, proxy = rows[0], rows[1], rows[2], rows[3]
    print(
        f"\nmiddleware overhead: {100 * (1 - instrumented.best.rate / plain.best.rate):+.1f}% req/s (best rounds), "
        f"{100 * (instrumented.cpu_us / plain.cpu_us - 1):+.1f}% server CPU per request (target: at most 25%)"
    )
    print(
        f"/work?seconds=0.1 at 100 connections: {wave.best.rate:,.0f} req/s against 100 / 0.1 s = 1,000 ideal; "
        f"Little's law with its mean latency {wave.best.mean_ms:.1f} ms: {100 / (wave.best.mean_ms / 1000):,.0f}"
    )
    met = proxy.best.rate >= 1000 and proxy.best.p95_ms < 200
    print(
        f"/proxy at {c} connections: {proxy.best.rate:,.0f} req/s, P95 {proxy.best.p95_ms:.1f} ms "
        f"(target: at least 1,000 req/s at P95 under 200 ms: {'met' if met else 'NOT met'}); "
        f"server CPU {proxy.cpu_us:.0f} µs per request, {1e6 / proxy.cpu_us:,.0f} req/s on one free core"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Load the web module's app from another process.")
    parser.add_argument(
        "--requests", type=int, default=5000, help="requests per round (default 5000)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="keep-alive connections (default 50)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per endpoint; the best is shown (default 3)"
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="at most this many seconds per round"
    )
    parser.add_argument(
        "--uvloop", action="store_true", help="serve on uvloop (as `uvicorn` does by default)"
    )
    args = parser.parse_args(argv)
    if args.uvloop:
        import uvloop

        uvloop.run(_main(args))
    else:
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
