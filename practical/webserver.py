"""Web-server concurrency: an ASGI app on uvicorn, one event loop serving many clients.

An ASGI server runs every request as a coroutine: while one awaits I/O, others run, so a single
process holds hundreds of requests *in flight*. Middleware wraps every request (metrics here).
A *circuit breaker* stops calling an upstream that keeps failing — clients get a fast 503
instead of a slow timeout, and the upstream gets room to recover — then lets one trial call
through (half-open). A *rate limiter* (token bucket) answers 429 beyond a client's budget.
*Graceful shutdown* stops accepting connections and drains the requests in flight before exiting.
*Server-sent events* and *WebSockets* keep connections open: one coroutine per client, costing
memory, not a thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from practical._narrate import Narrator

TITLE = "Web server: middleware, circuit breaker, rate limits, graceful shutdown, SSE, WebSockets"
SERVICE = "uvicorn"
PATTERNS = {
    "middleware": "many requests in flight through a metrics middleware; /metrics",
    "circuit-breaker": "a flaky upstream trips the breaker; fail fast; half-open; recover",
    "rate-limit": "a token bucket answers 429 beyond a client's burst",
    "graceful-shutdown": "shutdown drains in-flight requests, then refuses new ones",
    "sse": "server-sent events streamed to several clients at once",
    "websockets": "a WebSocket room broadcasting every message to every member",
}


@dataclass
class Running:
    """A uvicorn server serving the app in this event loop."""

    base: str
    state: Any
    server: Any
    task: asyncio.Task[None]


@asynccontextmanager
async def serving() -> AsyncIterator[Running]:
    """Run the app on uvicorn on a free port.

    Setting ``server.should_exit`` (what SIGTERM does) starts a graceful shutdown; the serving
    task finishes once in-flight requests are drained and the listening socket is closed.
    """
    import uvicorn

    from practical._web_app import AppState, build_app
    from practical.services import free_port

    state = AppState()
    port = free_port()
    config = uvicorn.Config(build_app(state), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", timeout_graceful_shutdown=10)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn offers no start-up event to await
        if task.done():
            await task  # raises the start-up error
        await asyncio.sleep(0.01)
    try:
        yield Running(f"http://127.0.0.1:{port}", state, server, task)
    finally:
        server.should_exit = True
        await task


def _client(base: str) -> Any:
    import httpx

    return httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=100))


async def pattern_middleware(out: Narrator, requests: int = 200, concurrency: int = 100, wait: float = 0.1) -> None:
    async with serving() as running, _client(running.base) as client:
        state = running.state
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []

        async def call() -> int:
            async with gate:
                start = time.perf_counter()
                response = await client.get("/work", params={"seconds": str(wait)})
                latencies.append(time.perf_counter() - start)
                return response.status_code

        out.step(f"{requests} requests that each await {wait * 1000:.0f} ms, {concurrency} at a time, one server process")
        start = time.perf_counter()
        statuses = await asyncio.gather(*(call() for _ in range(requests)))
        elapsed = time.perf_counter() - start
        out.rate("requests_per_s", requests, elapsed, "requests")
        out.fact("elapsed_s", elapsed, "seconds taken")
        out.fact("serial_would_take_s", requests * wait, "seconds one-at-a-time would take")
        out.latencies("request", latencies)
        metrics = (await client.get("/metrics")).text
    out.fact("ok", statuses.count(200), "200 OK")
    out.fact("max_in_flight", state.metrics.max_in_flight, "most requests in flight at once")
    out.fact("metrics_200", _metric(metrics, 'http_requests_total{status="200"}'), "/metrics says 200s")
    out.lesson("while a request awaits, the loop serves others: throughput ≈ concurrency / latency")


def _metric(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def pattern_circuit_breaker(out: Narrator) -> None:
    async with serving() as running, _client(running.base) as client:
        state = running.state
        out.step("the upstream goes down; 12 calls through the proxy")
        state.upstream_healthy = False
        codes = [(await client.get("/proxy")).status_code for _ in range(12)]
        out.fact("during_outage", ",".join(map(str, codes)), "status codes")
        out.fact("upstream_calls_during_outage", state.upstream_calls, "calls that reached the upstream")
        out.step("the upstream recovers; after the 0.2 s cooldown one trial call closes the breaker")
        state.upstream_healthy = True
        await asyncio.sleep(state.breaker.cooldown)  # the cooldown is the point of the demo: let it pass
        recovered = [(await client.get("/proxy")).status_code for _ in range(3)]
    out.fact("after_recovery", ",".join(map(str, recovered)))
    out.fact("transitions", " → ".join(state.breaker.transitions), "breaker states")
    out.lesson("an open breaker sheds load from a sick upstream and answers at once instead of timing out")


async def pattern_rate_limit(out: Narrator, burst: int = 30) -> None:
    async with serving() as running, _client(running.base) as client:
        out.step(f"client A sends {burst} requests at once (bucket: 10 tokens); client B sends 1")
        answers = await asyncio.gather(*(client.get("/limited", headers={"x-client": "A"}) for _ in range(burst)))
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
        out.step(f"{slow} requests of 0.5 s start; then the server is told to shut down (as by SIGTERM)")
        in_flight = [asyncio.create_task(client.get("/work", params={"seconds": "0.5"})) for _ in range(slow)]
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
    out.lesson("drain, then exit: clients in flight get their answer; new ones go to another instance")


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
    out.fact("complete_streams", sum(s == [str(n) for n in range(events)] for s in streams), "complete, in-order streams")
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
    out.fact("each_received", ",".join(str(len(set(inbox))) for inbox in inboxes), "distinct messages per member")
    out.lesson("a WebSocket is a long-lived two-way connection; broadcasting is a gather over the room")


async def _receive(ws: Any, count: int) -> list[str]:
    return [str(await ws.recv()) for _ in range(count)]
