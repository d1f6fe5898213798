"""Event-driven module: NATS JetStream and PostgreSQL (both running on CI's machine)."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import get_service, probe

pytestmark = pytest.mark.services


def test_order_flow_is_effectively_once_despite_a_relay_crash_and_a_lost_ack() -> None:
    for name in ("nats", "postgres"):
        reach = probe(get_service(name))
        if not reach.reachable:
            pytest.skip(f"{name} not reachable at {reach.address}: {reach.reason}")
    facts = run_pattern(get_module("event_driven"), "order-flow", Narrator(quiet=True))
    assert facts["events_in_stream"] == 100
    assert facts["broker_deduplicated"] == 25
    assert facts["applied"] == 100 and facts["redelivered_skipped"] >= 1
    assert facts["stock_correct"] is True
