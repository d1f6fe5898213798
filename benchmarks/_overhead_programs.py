"""Two whole programs for benchmarks/instrument_overhead.py: one lock-heavy, one queue-heavy.

They look up ``threading.Lock``/``queue.Queue``/``threading.Thread`` when called, so the same
function runs on the real primitives or on the instrumented ones, whichever are installed.
Both do what learners' programs do (short critical sections, a bounded producer/consumer
pipeline) with little work besides the synchronisation, so the primitives dominate the cost.
"""

from __future__ import annotations

import queue
import threading

__all__ = ["PROGRAMS", "bank_transfers", "pipeline"]

_ACCOUNTS = 16
_THREADS = 4


def bank_transfers(transfers: int = 20_000) -> None:
    """Lock-heavy: 4 threads move money between 16 accounts, each locked in id order, and count it."""
    locks = [threading.Lock() for _ in range(_ACCOUNTS)]
    balances = [1_000] * _ACCOUNTS
    stats_lock = threading.Lock()
    done = [0]

    def teller(offset: int) -> None:
        for i in range(transfers // _THREADS):
            src, dst = (i + offset) % _ACCOUNTS, (i * 7 + offset + 1) % _ACCOUNTS
            if src == dst:
                continue
            first, second = (src, dst) if src < dst else (dst, src)
            with locks[first], locks[second]:
                amount = balances[src] // 10
                balances[src] -= amount
                balances[dst] += amount
            with stats_lock:
                done[0] += 1

    _run_threads([threading.Thread(target=teller, args=(n,)) for n in range(_THREADS)])
    if sum(balances) != 1_000 * _ACCOUNTS:
        raise AssertionError("money was created or destroyed")


def pipeline(items: int = 20_000) -> None:
    """Queue-heavy: 2 producers feed 2 consumers through a bounded queue; consumers sum the items."""
    work: queue.Queue[int | None] = queue.Queue(maxsize=64)
    totals: queue.Queue[int] = queue.Queue()

    def producer(start: int) -> None:
        for i in range(start, items, 2):
            work.put(i)

    def consumer() -> None:
        total = 0
        while (item := work.get()) is not None:
            total += item
            work.task_done()
        work.task_done()
        totals.put(total)

    producers = [threading.Thread(target=producer, args=(n,)) for n in range(2)]
    consumers = [threading.Thread(target=consumer) for _ in range(2)]
    _run_threads(producers + consumers, wait_for=producers)
    for _ in consumers:
        work.put(None)
    work.join()
    _run_threads([], wait_for=consumers)
    if totals.get() + totals.get() != items * (items - 1) // 2:
        raise AssertionError("an item was lost")


def _run_threads(
    threads: list[threading.Thread], wait_for: list[threading.Thread] | None = None
) -> None:
    for thread in threads:
        thread.start()
    for thread in threads if wait_for is None else wait_for:
        thread.join()


PROGRAMS = {"lock-heavy (bank transfers)": bank_transfers, "queue-heavy (pipeline)": pipeline}
"""Whole programs by display name."""
