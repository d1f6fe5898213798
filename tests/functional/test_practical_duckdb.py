"""DuckDB module: embedded, so it always runs."""

from __future__ import annotations

from practical import Narrator
from practical.duckdb import (
    pattern_concurrent_readers,
    pattern_parallel_analytics,
    pattern_vs_python,
)


def test_parallel_analytics_groups_every_kind() -> None:
    out = Narrator(quiet=True)
    pattern_parallel_analytics(out, rows=100_000)
    assert out.facts["groups"] == 4


def test_concurrent_readers_agree_with_sequential_ones() -> None:
    out = Narrator(quiet=True)
    pattern_concurrent_readers(out, rows=100_000)
    assert out.facts["same_results"] is True and out.facts["rows_covered"] == 100_000


def test_duckdb_and_python_compute_the_same_aggregate() -> None:
    out = Narrator(quiet=True)
    pattern_vs_python(out, rows=50_000)
    assert out.facts["same_results"] is True
