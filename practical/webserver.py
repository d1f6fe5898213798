"""Web-server concurrency: an ASGI app on uvicorn, one event loop serving many clients.

An ASGI server runs every request as a coroutine: while one awaits I/O, others run, so a single
process holds hundreds of requests *in flight*: throughput = in flight / latency (Little's law),
up to the CPU the loop spends per request. Middleware wraps every request (Prometheus metrics
here, scraped by a real Prometheus and read back with PromQL). An outgoing HTTP client owns a
*connection pool*: one, opened in the app's lifespan, serves every request. The load comes from
another process (``practical/_web_load.py``): clients in the server's own loop measure themselves.
A *circuit breaker* stops calling an upstream that keeps failing — clients get a fast 503
instead of a slow timeout, and the upstream gets room to recover — then lets one trial call
through (half-open). A *rate limiter* (token bucket) answers 429 beyond a client's budget.
*Graceful shutdown* stops accepting connections and drains the requests in flight before exiting.
*Server-sent events* and *WebSockets* keep connections open: one coroutine per client, costing
memory, not a thread. *GraphQL subscriptions* fan one event stream out to many WebSockets: each
subscriber needs its own bounded queue, and a rule for a slow one (block the publisher, or drop).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from practical._narrate import Narrator

if TYPE_CHECKING:
    from practical._web_load import LoadResult

TITLE = "Web server: middleware, circuit breaker, rate limits, graceful shutdown, SSE, WebSockets"
SERVICE = "uvicorn"
PATTERNS = {
    "middleware": "many requests in flight through a metrics middleware; its cost against the plain app",
    "proxy-pool": "/proxy through one pooled client from the app's lifespan, against a client per request",
    "circuit-breaker": "a flaky upstream trips the breaker; fail fast; half-open; recover",
    "rate-limit": "a token bucket answers 429 beyond a client's burst",
    "graceful-shutdown": "shutdown drains in-flight requests, then refuses new ones",
    "sse": "server-sent events streamed to several clients at once",
    "websockets": "a WebSocket room broadcasting every message to every member",
    "subscriptions": "GraphQL subscriptions over WebSockets: a slow subscriber, bounded queues, block or drop",
    "prometheus": "the app's /metrics scraped by a real Prometheus; rate and P95 per endpoint in PromQL",
}


PROJECT = Path(__file__).resolve().parent.parent
"""Where ``python -m uvicorn practical._web_app:...`` finds the package."""


@dataclass
class Running:
    """A uvicorn server serving the app in this event loop."""

    base: str
    state: Any
    server: Any
    task: asyncio.Task[None]


@asynccontextmanager
async def serving(
    instrumented: bool = True,
    upstream: str | None = None,
    port: int | None = None,
    hub: Any = None,
    send_buffer: int | None = None,
) -> AsyncIterator[Running]:
    """Run the app on uvicorn on a free port (or ``port``), /proxy calling ``upstream`` (default: itself).

    ``hub`` adds the GraphQL endpoint; ``send_buffer`` caps the kernel's send buffer of every
    accepted connection (bytes), so a slow reader pushes back on the app within kilobytes.

    Setting ``server.should_exit`` (what SIGTERM does) starts a graceful shutdown; the serving
    task finishes once in-flight requests are drained and the listening socket is closed.
    """
    import uvicorn

    from practical._web_app import AppState, build_app
    from practical.services import free_port

    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    state = AppState(upstream_url=upstream or base, hub=hub)
    config = uvicorn.Config(
        build_app(state, instrumented),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=10,
        backlog=1024,
    )
    server = uvicorn.Server(config)
    sockets = None
    if send_buffer is not None:  # accepted connections inherit the listening socket's SO_SNDBUF
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        listener.bind(("127.0.0.1", port))
        sockets = [listener]
    task = asyncio.create_task(server.serve(sockets))
    while not server.started:  # uvicorn offers no start-up event to await
        if task.done():
            await task  # raises the start-up error
            raise RuntimeError(f"uvicorn could not listen on 127.0.0.1:{port}")
        await asyncio.sleep(0.01)
    try:
        yield Running(base, state, server, task)
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def upstream_process() -> AsyncIterator[str]:
    """A bare upstream app on uvicorn in a child process; yields its base URL."""
    from practical.services import free_port

    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "practical._web_app:upstream_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        cwd=str(PROJECT),
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        give_up = time.monotonic() + 20
        while True:  # polling a child process's port: it offers no readiness signal
            if process.returncode is not None or time.monotonic() > give_up:
                raise RuntimeError(f"the upstream server did not start on 127.0.0.1:{port}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def _client(base: str) -> Any:
    import httpx

    return httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=100))


def _show(out: Narrator, key: str, result: LoadResult) -> None:
    """Record and print what the load generator measured for one endpoint."""
    out.rate(f"{key}_per_s", result.requests, result.seconds, "requests")
    out.fact(f"{key}_ok", result.ok, "answered 200")
    out.facts.update(
        {
            f"{key}_p50_ms": result.p50_ms,
            f"{key}_p95_ms": result.p95_ms,
            f"{key}_p99_ms": result.p99_ms,
        }
    )
    out.step(
        f"{key}: p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )


async def pattern_middleware(
    out: Narrator,
    requests: int = 1000,
    concurrency: int = 100,
    wait: float = 0.1,
    quick: int = 3000,
    rounds: int = 3,
) -> None:
    from practical._web_load import run_load

    async with serving() as running:
        state = running.state
        out.step(
            f"{requests} requests that each await {wait * 1000:.0f} ms, {concurrency} connections at a time, "
            "one server process; the load comes from another process"
        )
        url = f"{running.base}/work?seconds={wait}"
        result = (await run_load([url], requests, concurrency))[url]
        out.fact(
            "ideal_per_s",
            concurrency / wait,
            f"ideal: concurrency / wait = {concurrency} / {wait:g} s",
        )
        _show(out, "work", result)
        out.fact(
            "littles_law_per_s",
            concurrency / (result.mean_ms / 1000),
            f"Little's law: {concurrency} in flight / mean latency {result.mean_ms:.1f} ms",
        )
        out.fact("serial_would_take_s", requests * wait, "seconds one-at-a-time would take")
        out.fact("elapsed_s", result.seconds, "seconds taken")
        out.fact(
            "max_in_flight",
            state.metrics.max_in_flight,
            "most requests in flight at once (middleware)",
        )
        out.fact(
            "metrics_200",
            state.metrics.count("/work"),
            'http_requests_total{endpoint="/work",status="200"}',
        )
    out.fact("ok", result.ok, "200 OK")
    out.lesson(
        "while a request awaits, the loop serves others: throughput = requests in flight / latency "
        "(Little's law); it reaches concurrency / wait only while the loop has CPU to spare, and "
        "whatever the loop spends per request shows up as extra latency, not as lost requests"
    )

    out.step(
        f"the middleware's cost: {rounds} rounds of {quick} requests that do no work, 50 connections, "
        "alternating between the same app without and with it"
    )
    async with serving(instrumented=False) as plain, serving(instrumented=True) as instrumented:
        urls = {False: f"{plain.base}/work?seconds=0", True: f"{instrumented.base}/work?seconds=0"}
        for url in urls.values():
            await run_load([url], 200, 10)  # warm-up: connections, imports, caches
        runs: dict[bool, list[LoadResult]] = {False: [], True: []}
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(rounds):
            for wrapped, url in urls.items():
                before = (
                    time.process_time()
                )  # this process runs only the servers; the load is elsewhere
                result = (await run_load([url], quick, 50))[url]
                cpu[wrapped].append((time.process_time() - before) / max(1, result.requests))
                runs[wrapped].append(result)
    best = {wrapped: max(results, key=lambda r: r.rate) for wrapped, results in runs.items()}
    _show(out, "plain", best[False])
    _show(out, "instrumented", best[True])
    out.fact(
        "throughput_overhead_percent",
        100 * (1 - best[True].rate / best[False].rate),
        "requests/s lost to the middleware, best round of each (%; noisy on a shared machine)",
    )
    per_request = {wrapped: statistics.median(values) * 1e6 for wrapped, values in cpu.items()}
    out.fact(
        "plain_cpu_us", per_request[False], "server CPU per request without it (µs, median round)"
    )
    out.fact(
        "instrumented_cpu_us",
        per_request[True],
        "server CPU per request with it (µs, median round)",
    )
    out.fact(
        "middleware_overhead_percent",
        100 * (per_request[True] / per_request[False] - 1),
        "extra server CPU per request: the throughput a saturated server loses (%)",
    )
    out.lesson(
        "a pure ASGI middleware (a counter, a histogram, a gauge) costs microseconds of CPU per "
        "request: it shows only when the handler itself does nothing; CPU per request measures it "
        "steadily where requests/s moves with whatever else the machine runs"
    )


async def pattern_proxy_pool(
    out: Narrator, requests: int = 2000, concurrency: int = 50, fresh: int = 500
) -> None:
    from practical._web_load import run_load

    async with upstream_process() as upstream, serving(upstream=upstream) as running:
        state = running.state
        out.step(
            f"/proxy calls an upstream in another process through one pooled client opened at start-up; "
            f"/proxy-fresh opens a client per request; {concurrency} connections each"
        )
        figures = {}
        for name, path, count in (("pooled", "/proxy", requests), ("fresh", "/proxy-fresh", fresh)):
            url = running.base + path
            await run_load([url], 100, 10)  # warm-up
            opened, before = state.upstream_connections, time.process_time()
            result = (await run_load([url], count, concurrency))[url]
            cpu = (time.process_time() - before) / max(1, result.requests) * 1e6
            figures[name] = cpu
            _show(out, name, result)
            out.fact(f"{name}_cpu_us", cpu, f"{name}: server CPU per request (µs)")
            out.fact(
                f"{name}_connections",
                state.upstream_connections - opened,
                f"{name}: TCP connections opened to the upstream for {result.requests} requests",
            )
    out.fact(
        "cpu_ratio",
        figures["fresh"] / figures["pooled"],
        "CPU per request, per-request client / pooled (×)",
    )
    out.lesson(
        "a client owns a connection pool: create it once (the app's lifespan) and share it; a client "
        "per request builds a pool and opens (and leaves in TIME_WAIT) a TCP connection on every call, "
        "paid in the event loop's CPU: the server saturates that many times sooner"
    )


async def pattern_circuit_breaker(out: Narrator) -> None:
    async with serving() as running, _client(running.base) as client:
        state = running.state
        out.step("the upstream goes down; 12 calls through the proxy")
        state.upstream_healthy = False
        codes = [(await client.get("/proxy")).status_code for _ in range(12)]
        out.fact("during_outage", ",".join(map(str, codes)), "status codes")
        out.fact(
            "upstream_calls_during_outage", state.upstream_calls, "calls that reached the upstream"
        )
        out.step(
            "the upstream recovers; after the 0.2 s cooldown one trial call closes the breaker"
        )
        state.upstream_healthy = True
        await asyncio.sleep(
            state.breaker.cooldown
        )  # the cooldown is the point of the demo: let it pass
        recovered = [(await client.get("/proxy")).status_code for _ in range(3)]
    out.fact("after_recovery", ",".join(map(str, recovered)))
    out.fact("transitions", " → ".join(state.breaker.transitions), "breaker states")
    out.lesson(
        "an open breaker sheds load from a sick upstream and answers at once instead of timing out"
    )


async def pattern_rate_limit(out: Narrator, burst: int = 30) -> None:
    async with serving() as running, _client(running.base) as client:
        out.step(f"client A sends {burst} requests at once (bucket: 10 tokens); client B sends 1")
        answers = await asyncio.gather(
            *(client.get("/limited", headers={"x-client": "A"}) for _ in range(burst))
        )
        other = await client.get("/limited", headers={"x-client": "B"})
    codes = [a.status_code for a in answers]
    out.fact("allowed", codes.count(200), "A allowed")
    out.fact("limited", codes.count(429), "A told 429 Too Many Requests")
    out.fact("other_client", other.status_code, "B's status (its own bucket)")
    out.lesson("a per-client bucket allows bursts up to its size, then the refill rate")


async def pattern_graceful_shutdown(out: Narrator, slow: int = 10) -> None:
    import httpx

    async with serving() as running, _client(running.base) as client:
        state = running.state
        out.step(
            f"{slow} requests of 0.5 s start; then the server is told to shut down (as by SIGTERM)"
        )
        in_flight = [
            asyncio.create_task(client.get("/work", params={"seconds": "0.5"})) for _ in range(slow)
        ]
        await state.metrics.wait_for(lambda: state.metrics.in_flight == slow)
        running.server.should_exit = True
        results = await asyncio.gather(*in_flight, return_exceptions=True)
        await running.task  # uvicorn has drained and closed its socket
        try:
            async with httpx.AsyncClient(base_url=running.base, timeout=2) as fresh:
                await fresh.get("/work")
            refused = False
        except httpx.TransportError:
            refused = True
    completed = sum(1 for r in results if not isinstance(r, BaseException) and r.status_code == 200)
    out.fact("completed", completed, f"in-flight requests completed (of {slow})")
    out.fact("new_connection_refused", refused, "a new connection after shutdown was refused")
    out.lesson(
        "drain, then exit: clients in flight get their answer; new ones go to another instance"
    )


async def pattern_sse(out: Narrator, clients: int = 5, events: int = 50) -> None:
    async with serving() as running, _client(running.base) as client:

        async def listen() -> list[str]:
            data = []
            async with client.stream("GET", "/events", params={"count": str(events)}) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        data.append(line.removeprefix("data: "))
            return data

        out.step(f"{clients} clients each subscribe to a stream of {events} events")
        start = time.perf_counter()
        streams = await asyncio.gather(*(listen() for _ in range(clients)))
        out.rate("events_per_s", clients * events, time.perf_counter() - start, "events")
    out.fact(
        "complete_streams",
        sum(s == [str(n) for n in range(events)] for s in streams),
        "complete, in-order streams",
    )
    out.lesson("SSE is plain HTTP kept open: one coroutine per subscriber")


async def pattern_websockets(out: Narrator, members: int = 5) -> None:
    import websockets

    async with serving() as running:
        state = running.state
        url = running.base.replace("http://", "ws://") + "/chat"
        sockets = [await websockets.connect(url) for _ in range(members)]
        try:
            await state.metrics.wait_for(lambda: len(state.room) == members)
            out.step(f"{members} members each say hello; the server broadcasts to the whole room")
            start = time.perf_counter()
            await asyncio.gather(*(ws.send(f"hello from {i}") for i, ws in enumerate(sockets)))
            inboxes = await asyncio.gather(*(_receive(ws, members) for ws in sockets))
            out.rate("deliveries_per_s", members * members, time.perf_counter() - start, "messages")
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))
    out.fact(
        "each_received",
        ",".join(str(len(set(inbox))) for inbox in inboxes),
        "distinct messages per member",
    )
    out.lesson(
        "a WebSocket is a long-lived two-way connection; broadcasting is a gather over the room"
    )


async def _receive(ws: Any, count: int) -> list[str]:
    return [str(await ws.recv()) for _ in range(count)]


async def pattern_subscriptions(out: Narrator, **options: Any) -> None:
    """GraphQL subscriptions to fast and slow WebSocket clients (``practical._web_subscriptions``)."""
    from practical._web_subscriptions import subscriptions

    await subscriptions(out, **options)


async def pattern_prometheus(out: Narrator, **options: Any) -> None:
    """The app's metrics scraped by a real Prometheus, read back in PromQL (``practical._web_prometheus``)."""
    from practical._web_prometheus import prometheus_readback

    await prometheus_readback(out, **options)
