"""The prometheus pattern: the web app's own /metrics scraped by a real Prometheus, read back in PromQL.

The middleware counts every request (``http_requests_total`` by endpoint and status) and times
it into a histogram (``http_request_duration_seconds``). The app listens on METRICS_PORT, the
port the Prometheus of ``learn services up`` scrapes every second; after a load from another
process, PromQL computes each endpoint's rate and P95 from what Prometheus stored, next to what
the load generator measured on its side of the wire.
"""

from __future__ import annotations

import asyncio
import math
import socket
import time

from practical._narrate import Narrator

ENDPOINTS = ("/work", "/proxy", "/upstream")


def _require_free(port: int) -> None:
    """The app must listen where Prometheus scrapes: say so in one line if another process is there."""
    from usererror import UserError

    with socket.socket() as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as uvicorn: TIME_WAIT is no listener
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UserError(
                f"port {port} (METRICS_PORT, where Prometheus scrapes) is taken by another process: "
                "stop it, then run this pattern again"
            ) from None


async def _scraped(query: str, expected: float, deadline: float = 30.0) -> None:
    """Wait until Prometheus answers ``query`` with ``expected`` (it scrapes on its own clock)."""
    from practical.metrics import promql

    give_up = time.monotonic() + deadline
    while (value := await asyncio.to_thread(promql, query)) != expected:
        if time.monotonic() > give_up:
            raise RuntimeError(
                f"Prometheus did not scrape the web app's /metrics within {deadline:g} s "
                f"({query} = {value}, expected {expected:g}): it must scrape METRICS_PORT"
            )
        await asyncio.sleep(0.25)  # polling a server that scrapes every second


async def prometheus_readback(
    out: Narrator,
    requests: int = 20_000,
    seconds: float = 4.0,
    concurrency: int = 20,
    wait: float = 0.02,
) -> None:
    from practical._web_load import run_load
    from practical.metrics import exporter_port, promql
    from practical.services import get_service, probe
    from practical.webserver import serving

    prometheus = get_service("prometheus")
    reach = await asyncio.to_thread(probe, prometheus)
    if not reach.reachable:
        out.warn(
            f"Prometheus is not reachable at {reach.address} ({reach.reason}): `learn services up` starts "
            "it (Debian's prometheus package, or Docker); this pattern needs it and did not run"
        )
        out.fact("prometheus_reachable", False)
        return
    port = exporter_port()
    _require_free(port)
    async with serving(port=port) as running:
        metrics = running.state.metrics
        for endpoint in ENDPOINTS:  # every series exists, at 0, from the first scrape
            metrics.requests.labels(endpoint, "200")
            metrics.seconds.labels(endpoint)
        out.step(
            f"the app serves /metrics on 127.0.0.1:{port} (METRICS_PORT); Prometheus at {prometheus.url} "
            "scrapes it every second"
        )
        await _scraped('sum(http_requests_total{endpoint="/work"})', 0.0)
        urls = [f"{running.base}/work?seconds={wait}", f"{running.base}/proxy"]
        out.step(
            f"{seconds:g} s of load (at most {requests} requests) from another process, {concurrency} "
            "connections, alternating /work "
            f"(awaits {wait * 1000:g} ms) and /proxy (calls /upstream on the same server)"
        )
        began = time.time()
        measured = await run_load(urls, requests, concurrency, seconds)
        ended = time.time()
        for endpoint in ENDPOINTS:
            await _scraped(
                f'sum(http_requests_total{{endpoint="{endpoint}"}})', metrics.count(endpoint, None)
            )
    window = max(2, math.floor(ended - began))  # inside the run, ending with it
    out.step(f"PromQL over the last {window} s of the run, evaluated at its end")
    for endpoint, url in zip(ENDPOINTS, [*urls, None], strict=True):
        key = endpoint.strip("/")
        selector = f'endpoint="{endpoint}"'
        total = await asyncio.to_thread(promql, f"sum(http_requests_total{{{selector}}})")
        rate = await asyncio.to_thread(
            promql, f"sum(rate(http_requests_total{{{selector}}}[{window}s]))", ended
        )
        p95 = await asyncio.to_thread(
            promql,
            "histogram_quantile(0.95, sum by (le) "
            f"(rate(http_request_duration_seconds_bucket{{{selector}}}[{window}s])))",
            ended,
        )
        out.fact(f"{key}_scraped_total", total, f"{endpoint}: sum(http_requests_total)")
        out.fact(
            f"{key}_promql_rate",
            rate,
            f"{endpoint}: sum(rate(http_requests_total[{window}s])) (requests/s)",
        )
        out.fact(
            f"{key}_promql_p95_ms",
            p95 * 1000,
            f"{endpoint}: histogram_quantile(0.95, ...) (ms, in the server)",
        )
        if url is not None:
            result = measured[url]
            out.fact(
                f"{key}_sent",
                result.requests,
                f"{endpoint}: answered, counted by the load generator",
            )
            out.fact(
                f"{key}_client_rate", result.rate, f"{endpoint}: requests/s the load generator saw"
            )
            out.fact(
                f"{key}_client_p95_ms",
                result.p95_ms,
                f"{endpoint}: P95 the load generator saw (ms)",
            )
    out.lesson(
        "counters agree to the request, and rate() with the client's req/s up to the one-second scrape "
        "interval; the P95s differ by "
        "where they are taken: the histogram's is interpolated inside a bucket (as precise as the bucket "
        "is narrow) and covers only the time inside the app, the client's includes the socket and the "
        "event loop's queue. /upstream's rate equals /proxy's: every proxied call is a second request"
    )
