"""Web-server module: a real uvicorn server on a free port, real HTTP and WebSocket clients."""

from __future__ import annotations

import asyncio

from practical import Narrator
from practical._web_app import CircuitBreaker, TokenBucket
from practical.webserver import (
    pattern_circuit_breaker,
    pattern_graceful_shutdown,
    pattern_middleware,
    pattern_rate_limit,
    pattern_sse,
    pattern_websockets,
)


def test_middleware_counts_every_request_and_sees_them_in_flight() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_middleware(out, requests=60, concurrency=20, wait=0.05))
    assert out.facts["ok"] == 60 and out.facts["metrics_200"] == 60
    assert out.facts["max_in_flight"] > 1


def test_breaker_opens_fails_fast_and_recovers() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_circuit_breaker(out))
    assert out.facts["during_outage"] == ",".join(["500"] * 5 + ["503"] * 7)
    assert out.facts["upstream_calls_during_outage"] == 5
    assert out.facts["transitions"] == "closed → open → half-open → closed"


def test_rate_limit_allows_the_burst_per_client() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_rate_limit(out))
    assert (out.facts["allowed"], out.facts["limited"], out.facts["other_client"]) == (10, 20, 200)


def test_graceful_shutdown_drains_in_flight_requests() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_graceful_shutdown(out, slow=5))
    assert out.facts["completed"] == 5 and out.facts["new_connection_refused"] is True


def test_sse_and_websockets_deliver_everything() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_sse(out, clients=3, events=20))
    assert out.facts["complete_streams"] == 3
    asyncio.run(pattern_websockets(out, members=4))
    assert out.facts["each_received"] == "4,4,4,4"


def test_breaker_half_open_failure_reopens_on_a_virtual_clock() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=lambda: now[0])
    breaker.record(False)
    breaker.record(False)
    assert not breaker.allow()
    now[0] = 10
    assert breaker.allow() and breaker.state == "half-open"
    breaker.record(False)
    assert breaker.state == "open" and not breaker.allow()


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(capacity=2, rate=1, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(3)] == [True, True, False]
    now[0] = 1.0
    assert bucket.take("a") and not bucket.take("a")

