"""Keep every run (pytest-benchmark JSON under ``LEARN_HOME/bench/``) and query them with DuckDB.

File names are ``NNNN_<suite>_<UTC time>.json``: ``NNNN`` is the run id a learner types in
``learn bench compare``. DuckDB reads the files directly (``read_json`` over a glob), so the
store is plain files a learner can also open with ``pytest-benchmark compare``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from usererror import UserError

_RUN_FILE = re.compile(r"^(\d{4,})_([\w-]+)_\d{8}T\d{6}Z?\.json$")
_COLUMNS = {
    "suite": "VARCHAR",
    "datetime": "VARCHAR",
    "quick": "BOOLEAN",
    "commit_info": "STRUCT(id VARCHAR, dirty BOOLEAN)",
    "benchmarks": (
        'STRUCT("group" VARCHAR, name VARCHAR, extra_info STRUCT(unit VARCHAR, work BIGINT), '
        "stats STRUCT(median DOUBLE, q1 DOUBLE, q3 DOUBLE, rounds BIGINT))[]"
    ),
}


def bench_dir() -> Path:
    """Where runs are kept: ``$LEARN_HOME/bench`` (default: the platform's user data folder)."""
    home = os.environ.get("LEARN_HOME")
    if not home:
        from platformdirs import user_data_dir

        home = user_data_dir("concurrency-lab")
    return Path(home) / "bench"


def save_run(run: dict[str, Any]) -> Path:
    """Write a run as the next numbered JSON file and return its path."""
    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    ids = [int(m.group(1)) for p in folder.glob("*.json") if (m := _RUN_FILE.match(p.name))]
    stamp = datetime.fromisoformat(run["datetime"]).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{max(ids, default=0) + 1:04d}_{run['suite']}_{stamp}.json"
    path.write_text(json.dumps(run, indent=1))
    return path


@dataclass(frozen=True)
class Row:
    """One case of one stored run."""

    run: int
    at: str
    suite: str
    quick: bool
    commit: str
    dirty: bool
    group: str
    name: str
    unit: str
    median: float
    q1: float
    q3: float


def _query(sql: str, parameters: list[Any]) -> list[tuple[Any, ...]]:
    import duckdb

    folder = bench_dir()
    if not any(folder.glob("*.json")):
        return []
    columns = "{" + ", ".join(f"'{key}': '{kind}'" for key, kind in _COLUMNS.items()) + "}"
    source = f"read_json('{folder.as_posix()}/*.json', columns={columns}, filename=true)"
    with duckdb.connect() as connection:
        return connection.execute(sql.replace("$runs", source), parameters).fetchall()


_CASES = """
    WITH cases AS (
        SELECT CAST(regexp_extract(parse_filename(filename), '^(\\d+)_', 1) AS INTEGER) AS run,
               datetime AS started, suite, quick, coalesce(commit_info.id, '') AS commit_id,
               coalesce(commit_info.dirty, false) AS dirty, unnest(benchmarks) AS b
        FROM $runs
    )
    SELECT run, started, suite, quick, commit_id, dirty, b."group", b.name, b.extra_info.unit,
           b.stats.median, b.stats.q1, b.stats.q3
    FROM cases
"""


def history(suite: str | None = None, case: str | None = None) -> list[Row]:
    """Every stored case, oldest run first; optionally one suite and cases whose name contains ``case``."""
    sql = _CASES + " WHERE ($1 IS NULL OR suite = $1) AND ($2 IS NULL OR contains(b.name, $2))"
    sql += ' ORDER BY run, b."group", b.name'
    return [Row(*values) for values in _query(sql, [suite, case])]


def runs(suite: str | None = None) -> list[tuple[int, str, str, bool]]:
    """(run id, time, suite, quick) of the stored runs, oldest first."""
    rows = history(suite)
    return sorted({(row.run, row.at, row.suite, row.quick) for row in rows})


def compare(
    before: int | None = None, after: int | None = None, suite: str | None = None
) -> tuple[list[Row], list[Row]]:
    """The cases of two runs of the same suite; by default the two latest runs (of ``suite``)."""
    stored = runs(suite)
    if before is None and after is None:
        if suite is None and stored:
            suite = stored[-1][2]
            stored = [run for run in stored if run[2] == suite]
        if len(stored) < 2:
            where = f" of suite '{suite}'" if suite else ""
            raise UserError(
                f"compare needs two stored runs{where}: run `learn bench run {suite or 'SUITE'}` again first"
            )
        before, after = stored[-2][0], stored[-1][0]
    known = {run[0]: run for run in runs()}
    for run_id in (before, after):
        if run_id not in known:
            raise UserError(
                f"there is no stored run {run_id}: see `learn bench history` for run ids"
            )
    assert before is not None and after is not None
    if known[before][2] != known[after][2]:
        raise UserError(
            f"runs {before} and {after} are of different suites: compare two runs of one suite"
        )
    rows = history(known[before][2])
    return [row for row in rows if row.run == before], [row for row in rows if row.run == after]
