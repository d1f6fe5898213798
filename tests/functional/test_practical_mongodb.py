"""MongoDB module against SecantusDB (a MongoDB-protocol server from PyPI) on a free port."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from tests.functional.practical_servers import mongo_server

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("mongo_server")]
__all__ = ["mongo_server"]


def _run(pattern: str) -> dict:
    return run_pattern(get_module("mongodb"), pattern, Narrator(quiet=True))


def test_concurrent_upserts_count_every_hit() -> None:
    facts = _run("upserts")
    assert (facts["documents"], facts["total_views"]) == (10, 200)


def test_insert_race_duplicates_without_a_unique_index_and_e11000_retries_keep_one_document() -> (
    None
):
    facts = _run("upserts")
    assert facts["duplicates_without_index"] == 10
    assert facts["e11000"] == 9
    assert (facts["documents_with_index"], facts["logins"]) == (1, 10)


def test_read_modify_write_loses_updates_and_inc_does_not() -> None:
    facts = _run("lost-update")
    assert facts["racy_final"] == 1  # every client read 0 before anyone wrote
    assert facts["atomic_final"] == 20


def test_version_field_makes_stale_writers_retry() -> None:
    facts = _run("optimistic")
    assert facts["tags"] == facts["version"] == 20
    assert facts["conflicts"] >= 19


def test_transactions_conserve_the_total() -> None:
    facts = _run("transactions")
    assert facts["total"] == 5000 and facts["transaction_attempts"] >= 40


def test_change_stream_sees_every_change_in_order() -> None:
    facts = _run("change-streams")
    assert facts["events"] == 52 and facts["last_two"] == "update,delete"
