"""PostgreSQL and Redis modules against the real servers (running on CI's machine)."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import get_service, probe

pytestmark = pytest.mark.services


def _needs(*names: str) -> None:
    for name in names:
        reach = probe(get_service(name))
        if not reach.reachable:
            pytest.skip(f"{name} not reachable at {reach.address}: {reach.reason}")


def _run(module: str, pattern: str) -> dict:
    return run_pattern(get_module(module), pattern, Narrator(quiet=True))


def test_pool_beats_new_connections_and_exhaustion_fails_fast() -> None:
    _needs("postgres")
    facts = _run("postgres", "pooling")
    assert facts["exhaustion_served"] == 2
    assert facts["exhaustion_timeouts"] == 8
    assert facts["pooled_qps"] > 0 and facts["unpooled_qps"] > 0


def test_read_committed_shows_write_skew_and_serializable_retries_keep_the_invariant() -> None:
    _needs("postgres")
    facts = _run("postgres", "serializable-retry")
    assert (facts["read_committed_broken"], facts["read_committed_failures"]) == (5, 0)
    assert facts["read_committed_attempts"] == 10
    assert facts["serializable_broken"] == 0
    assert facts["serializable_failures"] >= 5  # one per round at least, each retried to success
    assert facts["serializable_attempts"] == 10 + facts["serializable_failures"]


def test_outbox_relays_every_event_once() -> None:
    _needs("postgres")
    facts = _run("postgres", "outbox")
    assert (
        facts["duplicates_without_locks"] >= 20
    )  # the first batch of 10, published by all three relays
    assert facts["events_relayed"] == 200
    assert facts["duplicates"] == 0


def test_cache_aside_reads_are_correct() -> None:
    _needs("redis", "postgres")
    facts = _run("redis", "cache-aside")
    assert facts["correct"] is True
    assert facts["hits"] + facts["misses"] == 1000
    assert 50 <= facts["misses"] < 1000


def test_write_through_never_stale() -> None:
    _needs("redis", "postgres")
    facts = _run("redis", "write-through")
    assert facts["stale_reads_without"] == 100  # the cache kept the price from before every update
    assert facts["stale_reads"] == 0 and facts["cache_matches_db"] is True


def test_unfenced_paused_holder_overwrites_and_the_fence_rejects_it() -> None:
    _needs("redis")
    facts = _run("redis", "fenced-lock")
    assert facts["counter_unlocked"] == 1  # every worker read 0 before anyone wrote
    assert facts["counter"] == 20
    assert facts["a_still_owner"] is False
    assert facts["unfenced_final"] == "written by A (stale)" and facts["unfenced_lost_b"] is True
    assert facts["stale_write_rejected"] is True
    assert facts["final_value"] == "written by B"


def test_rate_limit_admits_exactly_the_limit() -> None:
    _needs("redis")
    facts = _run("redis", "rate-limit")
    assert facts["admitted_racy"] == 100  # every request read a count below the limit
    assert (facts["admitted"], facts["rejected"]) == (10, 90)
