"""Kafka module against tansu (a Kafka-protocol broker from PyPI) started on a free port."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from tests.functional.practical_servers import kafka_server

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("kafka_server")]
__all__ = ["kafka_server"]


def _run(pattern: str) -> dict:
    return run_pattern(get_module("kafka"), pattern, Narrator(quiet=True))


def test_keys_stay_on_one_partition_in_order() -> None:
    facts = _run("partitions")
    assert facts["records"] == 3000
    assert facts["one_partition_per_key"] is True and facts["per_key_order_kept"] is True


@pytest.mark.slow
def test_group_members_split_partitions_and_consume_each_record_once() -> None:
    facts = _run("consumer-group")
    assert facts["consumed"] == facts["distinct"] == 600
    assert facts["both_consumed"] is True


@pytest.mark.slow
def test_crash_before_commit_redelivers_and_idempotency_absorbs_it() -> None:
    facts = _run("at-least-once")
    assert facts["redelivered"] >= 1
    assert facts["balance"] == 1000


def test_compacted_topic_reads_as_a_table_and_tansu_is_seen_not_to_compact() -> None:
    facts = _run("compacted")
    assert facts["table"] == "alice=15, carol=7"
    assert facts["policy_stored"] == "compact"  # the broker took the setting...
    assert (facts["log_records"], facts["compacted"]) == (
        6,
        False,
    )  # ...and kept every record (the narration says so)


def test_replay_and_snapshot_rebuild_the_same_state() -> None:
    facts = _run("event-sourcing")
    assert facts["replayed_matches"] is True and facts["snapshot_matches"] is True
    assert facts["tail_events"] == 250


def test_windows_count_by_event_time() -> None:
    facts = _run("windowed-counts")
    assert facts["counts_match"] is True and facts["windows"] == 15  # 5 minutes x 3 pages


def test_exactly_once_says_plainly_that_tansu_lacks_transactions() -> None:
    assert _run("exactly-once")["transactions_supported"] is False
