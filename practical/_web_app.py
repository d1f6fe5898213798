"""The ASGI application the web-server module serves (Starlette), and its resilience parts.

Kept apart from the narration so each part reads on its own: a metrics middleware, a circuit
breaker, a token-bucket limiter, server-sent events, a WebSocket broadcast room.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


@dataclass
class Metrics:
    """Counters the middleware updates; /metrics prints them in Prometheus text format."""

    requests: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    seconds_total: float = 0.0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    """Notified whenever in-flight requests or room members change (so observers need not poll)."""

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with self.changed:
            await self.changed.wait_for(predicate)

    def exposition(self) -> str:
        lines = [f'http_requests_total{{status="{status}"}} {n}' for status, n in sorted(self.requests.items())]
        lines += [f"http_in_flight_max {self.max_in_flight}", f"http_request_seconds_total {self.seconds_total:.6f}"]
        return "\n".join(lines) + "\n"


class CircuitBreaker:
    """closed → (``threshold`` failures in a row) → open → (``cooldown`` s) → half-open → one trial."""

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
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

    def __init__(self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
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
    breaker: CircuitBreaker = field(default_factory=lambda: CircuitBreaker(threshold=5, cooldown=0.2))
    bucket: TokenBucket = field(default_factory=lambda: TokenBucket(capacity=10, rate=0.01))
    upstream_healthy: bool = True
    upstream_calls: int = 0
    room: set[WebSocket] = field(default_factory=set)


def build_app(state: AppState) -> Starlette:
    """The application: every route shares ``state``."""

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
        import httpx

        async with httpx.AsyncClient(base_url=str(request.base_url)) as client:
            answer = await client.get("/upstream")
        state.breaker.record(answer.status_code < 500)
        return PlainTextResponse(answer.text, status_code=answer.status_code)

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
        return PlainTextResponse(state.metrics.exposition())

    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        state.room.add(websocket)
        await state.metrics.notify()
        try:
            while True:
                text = await websocket.receive_text()
                await asyncio.gather(*(peer.send_text(text) for peer in list(state.room)), return_exceptions=True)
        except WebSocketDisconnect:
            pass
        finally:
            state.room.discard(websocket)

    app = Starlette(routes=[
        Route("/work", work), Route("/upstream", upstream), Route("/proxy", proxy),
        Route("/limited", limited), Route("/events", events), Route("/metrics", metrics),
        WebSocketRoute("/chat", chat),
    ])
    return MetricsMiddleware(app, state.metrics)  # type: ignore[return-value]


class MetricsMiddleware:
    """Pure ASGI middleware: counts requests by status, tracks in-flight requests and time."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": "500"}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = str(message["status"])
            await send(message)

        self.metrics.in_flight += 1
        self.metrics.max_in_flight = max(self.metrics.max_in_flight, self.metrics.in_flight)
        await self.metrics.notify()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, capture)
        finally:
            self.metrics.in_flight -= 1
            self.metrics.seconds_total += time.perf_counter() - start
            self.metrics.requests[status["code"]] += 1

