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


def test_serializable_retry_keeps_the_invariant() -> None:
    _needs("postgres")
    facts = _run("postgres", "serializable-retry")
    assert facts["serialization_failures"] >= 1
    assert facts["doctors_on_call"] == 1


def test_outbox_relays_every_event_once() -> None:
    _needs("postgres")
    facts = _run("postgres", "outbox")
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
    assert facts["stale_reads"] == 0 and facts["cache_matches_db"] is True


def test_fenced_lock_rejects_the_paused_holder() -> None:
    _needs("redis")
    facts = _run("redis", "fenced-lock")
    assert facts["counter"] == 20
    assert facts["stale_write_rejected"] is True
    assert facts["final_value"] == "written by B"


def test_rate_limit_admits_exactly_the_limit() -> None:
    _needs("redis")
    facts = _run("redis", "rate-limit")
    assert (facts["admitted"], facts["rejected"]) == (10, 90)
