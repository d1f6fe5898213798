"""Web-server module: a real uvicorn server on a free port, real HTTP and WebSocket clients."""

from __future__ import annotations

import asyncio

import pytest

from practical import Narrator
from practical._web_app import CircuitBreaker, TokenBucket
from practical._web_graphql import Hub
from practical._web_load import percentile, run_load
from practical._web_subscriptions import fan_out
from practical.webserver import (
    pattern_circuit_breaker,
    pattern_graceful_shutdown,
    pattern_middleware,
    pattern_proxy_pool,
    pattern_rate_limit,
    pattern_sse,
    pattern_websockets,
    serving,
)


def test_middleware_counts_every_request_and_sees_them_in_flight() -> None:
    out = Narrator(quiet=True)
    asyncio.run(
        pattern_middleware(out, requests=60, concurrency=20, wait=0.05, quick=100, rounds=1)
    )
    assert out.facts["ok"] == 60 and out.facts["metrics_200"] == 60
    assert out.facts["max_in_flight"] > 1
    assert out.facts["plain_ok"] == out.facts["instrumented_ok"] == 100
    assert "middleware_overhead_percent" in out.facts


def test_metrics_are_prometheus_series_per_endpoint_and_status() -> None:
    async def scenario() -> tuple[str, float, float]:
        async with serving() as running:
            urls = [
                f"{running.base}/work?seconds=0",
                f"{running.base}/limited",
                f"{running.base}/nowhere",
            ]
            await run_load(urls, 30, 3)
            exposition = running.state.metrics.exposition().decode()
            return (
                exposition,
                running.state.metrics.count("/work"),
                running.state.metrics.count("/limited", "429"),
            )

    exposition, work, limited = asyncio.run(scenario())
    assert work == 10 and limited == 0  # 10 tokens: every /limited request was allowed
    assert 'http_requests_total{endpoint="/limited",status="200"} 10.0' in exposition
    assert 'http_requests_total{endpoint="unmatched",status="404"} 10.0' in exposition
    assert 'http_request_duration_seconds_count{endpoint="/work"} 10.0' in exposition


def test_proxy_shares_one_pooled_client_against_an_upstream_process() -> None:
    out = Narrator(quiet=True)
    asyncio.run(pattern_proxy_pool(out, requests=200, concurrency=10, fresh=20))
    assert (out.facts["pooled_ok"], out.facts["fresh_ok"]) == (200, 20)
    assert out.facts["pooled_connections"] <= 10 and out.facts["fresh_connections"] == 20


def test_load_generator_counts_every_answer_and_refuses_other_hosts() -> None:
    async def scenario() -> dict[str, object]:
        async with serving() as running:
            url = f"{running.base}/events?count=3"  # chunked answers are read too
            return {
                "events": (await run_load([url], 25, 4))[url],
                "state": running.state.metrics.count("/events"),
            }

    result = asyncio.run(scenario())
    assert result["events"].requests == result["events"].ok == 25 and result["state"] == 25  # type: ignore[attr-defined]
    with pytest.raises(SystemExit, match=r"127\.0\.0\.1 only"):
        asyncio.run(run_load(["http://example.com/"], 1, 1))
    assert (
        percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
        and percentile([1.0, 2.0, 3.0, 4.0], 0.99) == 4.0
    )


def test_subscriptions_drop_oldest_keeps_the_publisher_free_of_a_slow_subscriber() -> None:
    # The slow subscriber reads nothing until the publish mutation has returned: had the
    # publisher waited for it, this would never finish.
    seen = asyncio.run(fan_out("drop-oldest", fast=2, events=400, size=512, pause=0.0))
    assert seen["blocked_ms"] == 0.0
    assert seen["slow_dropped"] > 0 and seen["slow_received"] + seen["slow_dropped"] == 400
    assert seen["slow_in_order"] and seen["slow_got_last"]


def test_subscriptions_block_loses_nothing_for_anyone() -> None:
    seen = asyncio.run(fan_out("block", fast=2, events=200, size=512, pause=0.0))
    assert seen["fast_complete"] == 2 and seen["fast_dropped"] == 0
    assert (seen["slow_received"], seen["slow_dropped"], seen["slow_in_order"]) == (200, 0, True)


def test_hub_policies_on_a_full_queue() -> None:
    async def scenario() -> tuple[list[int], int, bool]:
        hub = Hub(maxsize=2, policy="drop-oldest")
        with hub.subscribe("a") as sub:
            for n in range(5):
                await hub.publish(str(n))
            kept = [sub.queue.get_nowait()[0] for _ in range(2)]  # type: ignore[index]
            dropped = sub.dropped
        blocking = Hub(maxsize=1, policy="block")
        with blocking.subscribe("b"):
            await blocking.publish("first")
            waiting = asyncio.create_task(blocking.publish("second"))
            await asyncio.sleep(0)  # let it reach the full queue
            stuck = not waiting.done()
        await waiting  # leaving the subscription emptied its queue: the publisher is released
        return kept, dropped, stuck

    assert asyncio.run(scenario()) == ([3, 4], 3, True)


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
