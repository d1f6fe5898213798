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


def test_work_queue_processes_every_task_across_workers() -> None:
    facts = _run("work-queue")
    assert facts["processed"] == 500
    assert facts["workers_used"] >= 2


def test_fanout_delivers_every_message_to_every_subscriber() -> None:
    assert _run("pubsub")["received_each"] == "100,100,100"


def test_topic_bindings_match_by_pattern() -> None:
    facts = _run("topic")
    assert (facts["matched_all_orders"], facts["matched_EU_orders"], facts["matched_refunds"]) == (4, 3, 2)


def test_rpc_replies_match_their_calls() -> None:
    assert _run("rpc")["all_correct"] is True


def test_dead_letter_retries_then_parks_poison() -> None:
    facts = _run("dead-letter")
    assert facts["outcome_ok"] == "processed on attempt 1"
    assert facts["outcome_flaky"] == "processed on attempt 2"
    assert facts["outcome_poison"] == "parked after 3 attempts"
    assert facts["parked_message"] == "poison"


def test_priority_queue_delivers_highest_first() -> None:
    facts = _run("priority")
    assert facts["sorted_by_priority"] is True and facts["first_third_priority"] == "9"


def test_confirmed_publishes_all_arrive() -> None:
    assert _run("confirms")["messages_in_queue"] == 6000
