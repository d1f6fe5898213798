"""DuckDB module: embedded, so it always runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from practical import Narrator
from practical.duckdb import (
    pattern_concurrent_readers,
    pattern_parallel_analytics,
    pattern_vs_python,
)
from usererror import UserError


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


def test_with_duckdb_path_the_learners_tables_survive_and_nothing_is_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    path = tmp_path / "mine.duckdb"
    with duckdb.connect(str(path)) as mine:
        mine.execute("CREATE TABLE events AS SELECT 42 AS answer")  # the learner's own table
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    for pattern in (pattern_parallel_analytics, pattern_concurrent_readers, pattern_vs_python):
        pattern(Narrator(quiet=True), rows=10_000)
    with duckdb.connect(str(path)) as mine:
        assert mine.execute("SELECT table_name FROM information_schema.tables").fetchall() == [
            ("events",)
        ]
        assert mine.execute("SELECT answer FROM events").fetchall() == [(42,)]


def test_a_table_of_the_same_name_is_refused_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    path = tmp_path / "mine.duckdb"
    with duckdb.connect(str(path)) as mine:
        mine.execute("CREATE TABLE lab_events_taken AS SELECT 1 AS kept")
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    monkeypatch.setattr("practical.duckdb.unique_name", lambda prefix: f"{prefix}_taken")
    with pytest.raises(UserError, match="never overwrites a table it did not create"):
        pattern_vs_python(Narrator(quiet=True), rows=1_000)
    with duckdb.connect(str(path)) as mine:
        assert mine.execute("SELECT kept FROM lab_events_taken").fetchall() == [(1,)]
