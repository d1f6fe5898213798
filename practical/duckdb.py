"""DuckDB: parallel analytics inside your process (embedded, always available).

DuckDB runs a query on several threads itself (morsel-driven parallelism) and releases the GIL
while it works, so Python threads can run queries *concurrently* — each with its own cursor,
which is a connection to the same database. The comparison with a pure-Python aggregation shows
why analytics belong in a vectorized engine: the interpreter pays per row, DuckDB per batch.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._narrate import Narrator, unique_name

TITLE = "DuckDB: parallel analytics, concurrent readers, vs pure Python"
SERVICE = "duckdb"
PATTERNS = {
    "parallel-analytics": "one aggregation over generated events with 1 thread vs all cores",
    "concurrent-readers": "Python threads querying through their own cursors at once",
    "vs-python": "the same aggregation in DuckDB and in a pure-Python loop",
}


def _aggregate(table: str) -> str:
    return (
        f"SELECT kind, count(*) AS n, round(avg(amount), 6) AS mean, max(amount) AS top "
        f"FROM {table} GROUP BY kind ORDER BY kind"
    )


def events_database(rows: int) -> tuple[Any, str]:
    """A DuckDB connection and the name of a new table of ``rows`` deterministic events.

    With ``DUCKDB_PATH`` set the table goes into the learner's own file: it gets a name of its own
    (never an existing table's, which is refused) and :func:`drop_events` removes only it.
    """
    import duckdb

    from usererror import UserError

    path = os.environ.get("DUCKDB_PATH") or ":memory:"
    connection = duckdb.connect(path)
    table = unique_name("lab_events")
    exists = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    if exists and exists[0]:
        connection.close()
        raise UserError(
            f"{path} already has a table named {table}: the DuckDB module never overwrites a table "
            "it did not create; rename yours or unset DUCKDB_PATH"
        )
    connection.execute(
        f"CREATE TABLE {table} AS SELECT i AS id, "
        "['click', 'view', 'buy', 'refund'][1 + (i * 7919) % 4] AS kind, "
        "(i * 104729) % 10000 AS user_id, ((i * 2654435761) % 100000) / 100.0 AS amount "
        "FROM range(?) t(i)",
        [rows],
    )
    return connection, table


def drop_events(connection: Any, table: str) -> None:
    """Drop the table :func:`events_database` created (and nothing else), then close."""
    try:
        connection.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        connection.close()


def _explain_speedup(out: Narrator, speedup: float, cores: int, what: str) -> None:
    """Say plainly when parallelism bought nothing here, and the load that explains it."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out.fact("load_average", load, f"load average over the last minute ({cores} cores)")
    if speedup >= 1.2:
        return
    why = (
        f"with a load of {load:.1f} on {cores} cores there was no idle core to use"
        if load >= cores
        else "the work was too short for more threads to pay for starting them"
    )
    out.warn(f"{what} was no faster here ({speedup:.1f}x): {why}")


def pattern_parallel_analytics(out: Narrator, rows: int = 2_000_000) -> None:
    out.step(f"generate {rows:,} events with SQL (no Python loop)")
    connection, table = events_database(rows)
    cores = os.cpu_count() or 1
    timings = {}
    try:
        for threads in (1, cores):
            connection.execute(f"SET threads = {threads}")
            start = time.perf_counter()
            result = connection.execute(_aggregate(table)).fetchall()
            timings[threads] = time.perf_counter() - start
            out.rate(f"rows_per_s_{threads}_threads", rows, timings[threads], "rows")
    finally:
        drop_events(connection, table)
    out.fact("groups", len(result))
    speedup = timings[1] / timings[cores]
    out.fact("thread_speedup", speedup, f"{cores} threads vs 1")
    _explain_speedup(out, speedup, cores, "one query on all cores")
    out.lesson(
        "DuckDB splits one query over its `threads` by itself; the speed-up above is what this machine's "
        "free cores gave"
    )


def pattern_concurrent_readers(out: Narrator, rows: int = 1_000_000, readers: int = 4) -> None:
    connection, table = events_database(rows)
    connection.execute("SET threads = 1")  # one core per query: the parallelism is ours
    queries = [
        f"SELECT count(*), sum(amount) FROM {table} WHERE user_id % {readers} = {i}"
        for i in range(readers)
    ]

    def read(sql: str) -> tuple[Any, ...]:
        cursor = connection.cursor()  # a cursor is a separate connection: safe in its own thread
        try:
            return tuple(cursor.execute(sql).fetchone())
        finally:
            cursor.close()

    try:
        out.step(f"{readers} queries one after another")
        start = time.perf_counter()
        sequential = [read(sql) for sql in queries]
        seq_time = time.perf_counter() - start
        out.rate("sequential_queries_per_s", readers, seq_time, "queries")
        out.step(f"the same {readers} queries from {readers} threads at once")
        start = time.perf_counter()
        with ThreadPoolExecutor(readers) as pool:
            concurrent = list(pool.map(read, queries))
        par_time = time.perf_counter() - start
        out.rate("concurrent_queries_per_s", readers, par_time, "queries")
    finally:
        drop_events(connection, table)
    out.fact("same_results", sequential == concurrent, "same results either way")
    out.fact("rows_covered", sum(r[0] for r in concurrent), f"rows covered (of {rows:,})")
    speedup = seq_time / par_time
    out.fact("concurrency_speedup", speedup, "threads vs sequential")
    _explain_speedup(out, speedup, os.cpu_count() or 1, f"{readers} queries from {readers} threads")
    out.lesson(
        "DuckDB releases the GIL during a query, so Python threads can overlap queries — as far as free "
        "cores allow"
    )


def pattern_vs_python(out: Narrator, rows: int = 500_000) -> None:
    connection, table = events_database(rows)
    try:
        start = time.perf_counter()
        in_duckdb = connection.execute(_aggregate(table)).fetchall()
        duck_time = time.perf_counter() - start
        out.rate("duckdb_rows_per_s", rows, duck_time, "rows")

        out.step("pure Python: fetch the rows, then a dict of accumulators")
        start = time.perf_counter()
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, float("-inf")])
        for kind, amount in connection.execute(f"SELECT kind, amount FROM {table}").fetchall():
            entry = stats[kind]
            entry[0] += 1
            entry[1] += amount
            entry[2] = max(entry[2], amount)
        in_python = [
            (k, int(n), round(total / n, 6), top) for k, (n, total, top) in sorted(stats.items())
        ]
        py_time = time.perf_counter() - start
        out.rate("python_rows_per_s", rows, py_time, "rows")
    finally:
        drop_events(connection, table)
    same = [(k, n, round(m, 4), t) for k, n, m, t in in_duckdb] == [
        (k, n, round(m, 4), t) for k, n, m, t in in_python
    ]
    out.fact("same_results", same, "same answer")
    out.fact("duckdb_speedup", py_time / duck_time, "DuckDB vs Python")
    out.lesson("the interpreter pays per row; a vectorized engine pays per batch of thousands")
