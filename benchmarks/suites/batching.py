"""Batching vs one at a time: what a per-message cost does to throughput."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from benchmarks.suites._model import Case, Expectation, Plan, Prepare, Round, Suite, simple


def square(x: int) -> int:
    return x * x


def _process_map(items: int, chunksize: int) -> Prepare:
    @contextmanager
    def prepare() -> Iterator[Round]:
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(square, range(4)))  # start the workers before timing
            yield lambda: sum(pool.map(square, range(items), chunksize=chunksize))

    return prepare


def _thread_queue(items: int, batch: int) -> Round:
    def one_round() -> None:
        channel: queue.Queue[list[int] | None] = queue.Queue(64)

        def produce() -> None:
            for start in range(0, items, batch):
                channel.put(list(range(start, min(start + batch, items))))
            channel.put(None)

        producer = threading.Thread(target=produce)
        producer.start()
        total = 0
        while (chunk := channel.get()) is not None:
            total += len(chunk)
        producer.join()
        if total != items:
            raise RuntimeError(f"lost items: received {total} of {items}")

    return one_round


def _label(batch: int) -> str:
    return "one at a time" if batch == 1 else f"batches of {batch:,}"


def plan(quick: bool) -> Plan:
    process_items = 400 if quick else 4_000
    queue_items = 2_000 if quick else 50_000
    batches = (1, 10, 100) if quick else (1, 10, 100, 1_000)
    process_group = f"process pool: {process_items:,} tiny tasks (map chunksize)"
    queue_group = f"thread queue: {queue_items:,} items"
    cases = [
        Case(
            _label(b),
            process_group,
            _process_map(process_items, b),
            work=process_items,
            params={"batch": b},
        )
        for b in batches
    ]
    cases += [
        Case(
            _label(b),
            queue_group,
            simple(_thread_queue(queue_items, b)),
            work=queue_items,
            params={"batch": b},
        )
        for b in batches
    ]
    return Plan(tuple(cases), rounds=2 if quick else 5)


SUITE = Suite(
    name="batching",
    question="Should I send items one at a time or in batches?",
    hypothesis=(
        "Every hand-off has a fixed cost (a lock and a wake-up for a queue; pickling, a pipe write "
        "and a context switch for a process). Batching pays it once per batch, so throughput rises "
        "steeply from 1 to 10 to 100 and then flattens once the per-item work dominates."
    ),
    lesson=(
        "When the work per item is small compared to the cost of handing it over, batch: "
        "ProcessPoolExecutor.map(..., chunksize=...), queue.put(list_of_items), executemany() in a "
        "database, pipelines in Redis. The price is latency (an item waits for its batch) and "
        "memory; cap batches by size *and* by time in real systems."
    ),
    baseline="one at a time",
    plan=plan,
    expectations=(
        Expectation(
            "batches of 100",
            "one at a time",
            "the fixed cost of a hand-off is paid once per 100 items",
        ),
    ),
)
