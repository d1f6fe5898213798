"""RabbitMQ module against the real broker (running on CI's machine)."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import get_service, probe

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def _broker() -> None:
    reach = probe(get_service("rabbitmq"))
    if not reach.reachable:
        pytest.skip(f"rabbitmq not reachable at {reach.address}: {reach.reason}")


def _run(pattern: str) -> dict:
    return run_pattern(get_module("rabbitmq"), pattern, Narrator(quiet=True))


def test_unlimited_prefetch_lets_the_slow_consumer_hoard_and_prefetch_1_does_not() -> None:
    facts = _run("work-queue")
    assert facts["slow_unlimited"] + facts["fast_unlimited"] == 30
    assert facts["slow_unlimited"] >= 14  # round-robin: about half, whatever its speed
    assert facts["slow_prefetch1"] + facts["fast_prefetch1"] == facts["processed"] == 30
    assert facts["slow_prefetch1"] < facts["slow_unlimited"] and facts["slow_prefetch1"] <= 10


def test_a_crash_mid_task_loses_auto_acked_tasks_and_redelivers_unacked_ones() -> None:
    facts = _run("crash-redelivery")
    assert facts["auto_ack_lost"] >= 1
    assert facts["manual_ack_lost"] == 0 and facts["done_once_or_more"] == 20
    assert facts["redelivered"] >= 1 and facts["crashed_task_redelivered"] is True


def test_no_consumer_is_cancelled_by_the_broker(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import practical.rabbitmq  # noqa: F401  (its import quiets these loggers: undo that after it)

    for name in ("aio_pika", "aiormq"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # what quiet_loggers would hide, seen here
    try:
        with caplog.at_level(logging.DEBUG):
            for pattern in (
                "work-queue",
                "crash-redelivery",
                "pubsub",
                "topic",
                "rpc",
                "dead-letter",
            ):
                _run(pattern)
    finally:
        for name in ("aio_pika", "aiormq"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    cancelled = [
        r.getMessage() for r in caplog.records if "cancelled by the broker" in r.getMessage()
    ]
    assert cancelled == []


def test_fanout_delivers_every_message_to_every_subscriber() -> None:
    assert _run("pubsub")["received_each"] == "100,100,100"


def test_topic_bindings_match_by_pattern() -> None:
    facts = _run("topic")
    assert (facts["matched_all_orders"], facts["matched_EU_orders"], facts["matched_refunds"]) == (
        4,
        3,
        2,
    )


def test_rpc_replies_match_their_calls() -> None:
    assert _run("rpc")["all_correct"] is True


def test_dead_letter_retries_then_parks_poison() -> None:
    facts = _run("dead-letter")
    assert facts["outcome_ok"] == "processed on attempt 1"
    assert facts["outcome_flaky"] == "processed on attempt 2"
    assert facts["outcome_poison"] == "parked after 3 attempts"
    assert facts["parked_message"] == "poison"
    assert facts["min_retry_delay_ms"] >= 50  # each retry waited out the retry queue's TTL


def test_priority_queue_delivers_highest_first() -> None:
    facts = _run("priority")
    assert facts["sorted_by_priority"] is True and facts["first_third_priority"] == "9"


def test_confirmed_publishes_all_arrive() -> None:
    assert _run("confirms")["messages_in_queue"] == 6000
