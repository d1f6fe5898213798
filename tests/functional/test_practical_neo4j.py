"""Neo4j module against ArcadeDB's Bolt plugin (arcadedb-embedded from PyPI) on a free port."""

from __future__ import annotations

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from tests.functional.practical_servers import neo4j_server

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.usefixtures("neo4j_server")]
__all__ = ["neo4j_server"]


def _run(pattern: str) -> dict:
    return run_pattern(get_module("neo4j"), pattern, Narrator(quiet=True))


def test_match_then_create_duplicates_and_the_constraint_keeps_one_node_per_name() -> None:
    facts = _run("merge")
    assert facts["duplicates_without_constraint"] == 8  # every writer matched nothing, then created
    assert (facts["refused_by_constraint"], facts["nodes_with_constraint"]) == (7, 1)
    assert facts["nodes"] == facts["distinct_names"] == 5


def test_traversals_walk_two_hops_and_find_shortest_paths() -> None:
    facts = _run("traversal")
    assert facts["within_two_hops"] == 5  # +1, +2, +7, +8, +14
    assert facts["all_equal"] is True
    assert facts["shortest_hops"] == 3  # 7 + 7 + 1


def test_managed_transactions_lose_no_increment() -> None:
    facts = _run("managed-tx")
    assert facts["final"] == 50 and facts["attempts"] >= 50
