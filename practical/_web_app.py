"""The ASGI application the web-server module serves (Starlette), and its resilience parts.

Kept apart from the narration so each part reads on its own: a Prometheus metrics middleware, a
pooled upstream client, a circuit breaker, a token-bucket limiter, server-sent events, a
WebSocket broadcast room, and (with a hub) GraphQL subscriptions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    1.0,
    2.5,
)
"""Seconds: fine where the module's requests land (1-200 ms), so PromQL's P95 is close to the truth."""


@dataclass
class Metrics:
    """What the middleware records: Prometheus series on the app's own registry, and in-flight counts.

    ``http_requests_total`` (by endpoint and status) and ``http_request_duration_seconds`` (a
    histogram by endpoint) are served on /metrics in Prometheus text format.
    """

    registry: Any = field(default_factory=lambda: _registry())
    in_flight: int = 0
    max_in_flight: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    """Notified whenever in-flight requests or room members change (so observers need not poll)."""

    def __post_init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by endpoint and status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "http_request_duration_seconds",
            "Time to answer, by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        gauge = Gauge(
            "http_requests_in_flight", "Requests being answered now", registry=self.registry
        )
        gauge.set_function(lambda: self.in_flight)  # read at scrape time: nothing to do per request
        self._series: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._waiting = 0

    def observe(self, endpoint: str, status: str, seconds: float) -> None:
        """Count one answered request and its duration (the labelled children cached per series)."""
        series = self._series.get((endpoint, status))
        if series is None:
            series = self._series[(endpoint, status)] = (
                self.requests.labels(endpoint, status),
                self.seconds.labels(endpoint),
            )
        series[0].inc()
        series[1].observe(seconds)

    async def notify(self) -> None:
        if self._waiting:  # nobody waits most of the time: skip the condition's lock then
            async with self.changed:
                self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        self._waiting += 1
        try:
            async with self.changed:
                await self.changed.wait_for(predicate)
        finally:
            self._waiting -= 1

    def count(self, endpoint: str, status: str | None = "200") -> float:
        """How many requests to ``endpoint`` were answered with ``status`` (``None``: any status)."""
        return sum(
            sample.value
            for metric in self.requests.collect()
            for sample in metric.samples
            if sample.name == "http_requests_total"
            and sample.labels["endpoint"] == endpoint
            and status in (None, sample.labels["status"])
        )

    def exposition(self) -> bytes:
        from prometheus_client import generate_latest

        return bytes(generate_latest(self.registry))


def _registry() -> Any:
    from prometheus_client import CollectorRegistry

    return CollectorRegistry()


class CircuitBreaker:
    """closed → (``threshold`` failures in a row) → open → (``cooldown`` s) → half-open → one trial."""

    def __init__(
        self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold, self.cooldown, self._clock = threshold, cooldown, clock
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0
        self.transitions: list[str] = ["closed"]

    def _move(self, state: str) -> None:
        self.state = state
        self.transitions.append(state)

    def allow(self) -> bool:
        """May a call go through now?"""
        if self.state == "open" and self._clock() - self.opened_at >= self.cooldown:
            self._move("half-open")  # let one trial call through
            return True
        return self.state != "open"

    def record(self, success: bool) -> None:
        if success:
            self.failures = 0
            if self.state != "closed":
                self._move("closed")
            return
        self.failures += 1
        if self.state == "half-open" or self.failures >= self.threshold:
            self.opened_at = self._clock()
            if self.state != "open":
                self._move("open")


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; a request spends one."""

    def __init__(
        self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.rate, self._clock = capacity, rate, clock
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}

    def take(self, client: str) -> bool:
        now = self._clock()
        tokens = self._tokens.get(client, self.capacity)
        tokens = min(self.capacity, tokens + (now - self._stamp.get(client, now)) * self.rate)
        self._stamp[client] = now
        allowed = tokens >= 1
        self._tokens[client] = tokens - 1 if allowed else tokens
        return allowed


@dataclass
class AppState:
    """Everything the routes share; the module flips ``upstream_healthy`` to stage an outage."""

    metrics: Metrics = field(default_factory=Metrics)
    breaker: CircuitBreaker = field(
        default_factory=lambda: CircuitBreaker(threshold=5, cooldown=0.2)
    )
    bucket: TokenBucket = field(default_factory=lambda: TokenBucket(capacity=10, rate=0.01))
    upstream_url: str = ""
    """Where /proxy sends its calls: this server's own /upstream unless another server is named."""
    upstream_healthy: bool = True
    upstream_calls: int = 0
    upstream_connections: int = 0
    """TCP connections /proxy and /proxy-fresh opened to the upstream."""
    client: Any = None
    """The one pooled ``aiohttp.ClientSession`` /proxy shares, open from start-up to shutdown."""
    room: set[WebSocket] = field(default_factory=set)
    hub: Any = None
    """The GraphQL subscriptions' fan-out hub (``practical._web_graphql.Hub``)."""


def build_app(state: AppState, instrumented: bool = True) -> Any:
    """The application: every route shares ``state``; ``instrumented`` wraps it in the metrics middleware.

    The lifespan opens one pooled HTTP client for /proxy at start-up and closes it at shutdown:
    a client per request pays a new pool and a TCP handshake on every call. The client is
    aiohttp's: httpx's pool (httpcore) rescans its connections for every request and spent
    milliseconds of CPU per request at 50 in flight here, aiohttp about 0.15 ms.
    """
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=10)
    tracing = aiohttp.TraceConfig()

    async def connected(session: Any, context: Any, params: Any) -> None:
        state.upstream_connections += 1

    tracing.on_connection_create_end.append(connected)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(
            limit=100
        )  # at most 100 connections to the upstream, kept alive
        async with aiohttp.ClientSession(
            state.upstream_url, connector=connector, timeout=timeout, trace_configs=[tracing]
        ) as client:
            state.client = client
            try:
                yield
            finally:
                state.client = None

    async def work(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("seconds", "0.01")))  # awaiting I/O
        return JSONResponse({"ok": True})

    async def upstream(request: Request) -> Response:
        state.upstream_calls += 1
        if not state.upstream_healthy:
            return PlainTextResponse("upstream down", status_code=500)
        return PlainTextResponse("fresh data")

    async def proxy(request: Request) -> Response:
        if not state.breaker.allow():
            return PlainTextResponse("circuit open: failing fast", status_code=503)
        try:
            async with state.client.get("/upstream") as answer:
                text, status = await answer.text(), answer.status
        except (aiohttp.ClientError, TimeoutError):
            state.breaker.record(False)
            return PlainTextResponse("upstream unreachable", status_code=502)
        state.breaker.record(status < 500)
        return PlainTextResponse(text, status_code=status)

    async def proxy_fresh(request: Request) -> Response:
        """The anti-pattern /proxy replaced: a new client (its pool, a TCP connection) per call."""
        async with (
            aiohttp.ClientSession(
                state.upstream_url, timeout=timeout, trace_configs=[tracing]
            ) as client,
            client.get("/upstream") as answer,
        ):
            return PlainTextResponse(await answer.text(), status_code=answer.status)

    async def limited(request: Request) -> Response:
        client = request.headers.get("x-client", "anonymous")
        if not state.bucket.take(client):
            return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "1"})
        return PlainTextResponse("ok")

    async def events(request: Request) -> Response:
        count = int(request.query_params.get("count", "10"))

        async def stream() -> AsyncIterator[str]:
            for n in range(count):
                yield f"id: {n}\nevent: tick\ndata: {n}\n\n"
                await asyncio.sleep(0)

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        state.room.add(websocket)
        await state.metrics.notify()
        try:
            while True:
                text = await websocket.receive_text()
                await asyncio.gather(
                    *(peer.send_text(text) for peer in list(state.room)), return_exceptions=True
                )
        except WebSocketDisconnect:
            pass
        finally:
            state.room.discard(websocket)

    routes: list[BaseRoute] = [
        Route("/work", work),
        Route("/upstream", upstream),
        Route("/proxy", proxy),
        Route("/proxy-fresh", proxy_fresh),
        Route("/limited", limited),
        Route("/events", events),
        Route("/metrics", metrics),
        WebSocketRoute("/chat", chat),
    ]
    if state.hub is not None:
        from practical._web_graphql import graphql_app

        graphql = graphql_app(state.hub)
        routes += [
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return MetricsMiddleware(app, state.metrics) if instrumented else app


def upstream_app() -> Starlette:
    """A bare upstream for /proxy to call in a process of its own (``uvicorn --factory``)."""

    async def upstream(request: Request) -> Response:
        return PlainTextResponse("fresh data")

    return Starlette(routes=[Route("/upstream", upstream)])


class MetricsMiddleware:
    """Pure ASGI middleware: counts requests by endpoint and status, times them, tracks in-flight ones.

    The endpoint label is the matched route's path (``scope["route"]``, set by Starlette's
    router), never the raw URL: one series per route, whatever the query strings.
    """

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = "500"

        async def capture(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        metrics = self.metrics
        metrics.in_flight += 1
        metrics.max_in_flight = max(metrics.max_in_flight, metrics.in_flight)
        await metrics.notify()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, capture)
        finally:
            metrics.observe(
                getattr(scope.get("route"), "path", "unmatched"),
                status,
                time.perf_counter() - start,
            )
            metrics.in_flight -= 1
