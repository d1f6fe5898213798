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

from practical._narrate import Narrator

TITLE = "DuckDB: parallel analytics, concurrent readers, vs pure Python"
SERVICE = "duckdb"
PATTERNS = {
    "parallel-analytics": "one aggregation over generated events with 1 thread vs all cores",
    "concurrent-readers": "Python threads querying through their own cursors at once",
    "vs-python": "the same aggregation in DuckDB and in a pure-Python loop",
}

_AGGREGATE = (
    "SELECT kind, count(*) AS n, round(avg(amount), 6) AS mean, max(amount) AS top "
    "FROM events GROUP BY kind ORDER BY kind"
)


def events_database(rows: int) -> Any:
    """A DuckDB connection holding ``rows`` deterministic events (kind, user, amount)."""
    import duckdb

    connection = duckdb.connect(os.environ.get("DUCKDB_PATH") or ":memory:")
    connection.execute("DROP TABLE IF EXISTS events")
    connection.execute(
        "CREATE TABLE events AS SELECT i AS id, "
        "['click', 'view', 'buy', 'refund'][1 + (i * 7919) % 4] AS kind, "
        "(i * 104729) % 10000 AS user_id, ((i * 2654435761) % 100000) / 100.0 AS amount "
        "FROM range(?) t(i)",
        [rows],
    )
    return connection


def pattern_parallel_analytics(out: Narrator, rows: int = 2_000_000) -> None:
    out.step(f"generate {rows:,} events with SQL (no Python loop)")
    connection = events_database(rows)
    cores = os.cpu_count() or 1
    timings = {}
    try:
        for threads in (1, cores):
            connection.execute(f"SET threads = {threads}")
            start = time.perf_counter()
            result = connection.execute(_AGGREGATE).fetchall()
            timings[threads] = time.perf_counter() - start
            out.rate(f"rows_per_s_{threads}_threads", rows, timings[threads], "rows")
    finally:
        connection.execute("DROP TABLE events")
        connection.close()
    out.fact("groups", len(result))
    out.fact("thread_speedup", timings[1] / timings[cores], f"{cores} threads vs 1")
    out.lesson("DuckDB parallelizes one query across cores by itself; you only choose `threads`")


def pattern_concurrent_readers(out: Narrator, rows: int = 1_000_000, readers: int = 4) -> None:
    connection = events_database(rows)
    connection.execute("SET threads = 1")  # one core per query: the parallelism is ours
    queries = [f"SELECT count(*), sum(amount) FROM events WHERE user_id % {readers} = {i}" for i in range(readers)]

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
        connection.execute("DROP TABLE events")
        connection.close()
    out.fact("same_results", sequential == concurrent, "same results either way")
    out.fact("rows_covered", sum(r[0] for r in concurrent), f"rows covered (of {rows:,})")
    out.fact("concurrency_speedup", seq_time / par_time, "threads vs sequential")
    out.lesson("DuckDB releases the GIL during a query, so threads really run queries in parallel")


def pattern_vs_python(out: Narrator, rows: int = 500_000) -> None:
    connection = events_database(rows)
    try:
        start = time.perf_counter()
        in_duckdb = connection.execute(_AGGREGATE).fetchall()
        duck_time = time.perf_counter() - start
        out.rate("duckdb_rows_per_s", rows, duck_time, "rows")

        out.step("pure Python: fetch the rows, then a dict of accumulators")
        start = time.perf_counter()
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, float("-inf")])
        for kind, amount in connection.execute("SELECT kind, amount FROM events").fetchall():
            entry = stats[kind]
            entry[0] += 1
            entry[1] += amount
            entry[2] = max(entry[2], amount)
        in_python = [(k, int(n), round(total / n, 6), top) for k, (n, total, top) in sorted(stats.items())]
        py_time = time.perf_counter() - start
        out.rate("python_rows_per_s", rows, py_time, "rows")
    finally:
        connection.execute("DROP TABLE events")
        connection.close()
    same = [(k, n, round(m, 4), t) for k, n, m, t in in_duckdb] == [(k, n, round(m, 4), t) for k, n, m, t in in_python]
    out.fact("same_results", same, "same answer")
    out.fact("duckdb_speedup", py_time / duck_time, "DuckDB vs Python")
    out.lesson("the interpreter pays per row; a vectorized engine pays per batch of thousands")
