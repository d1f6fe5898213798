"""The visualizer fed 1,000,000 events keeps bounded memory (ring buffer + capped histories)."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest

from evaluator.events import Event, EventKind
from interactive.visualizer.runner import LiveRun, Target

ACTORS = 64
BATCH = 1_000
_CYCLE = (
    EventKind.LOCK_WAIT,
    EventKind.LOCK_ACQUIRE,
    EventKind.QUEUE_PUT,
    EventKind.LOCK_RELEASE,
    EventKind.QUEUE_GET,
    EventKind.SLEEP_START,
    EventKind.SLEEP_END,
)


def _batches(total: int) -> itertools.chain[list[Event]]:
    seq = itertools.count()

    def batch(start: int) -> list[Event]:
        out = []
        for i in range(start, start + BATCH):
            n = next(seq)
            actor = i % ACTORS
            kind = _CYCLE[(i // ACTORS) % len(_CYCLE)]
            out.append(
                Event(
                    n,
                    n * 1_000,
                    kind,
                    f"worker-{actor}",
                    actor,
                    obj=f"lock-{actor % 8}",
                    value=i % 50,
                    location=f"program.py:{10 + actor % 20}",
                )
            )
        return out

    return itertools.chain(batch(start) for start in range(0, total, BATCH))


@pytest.mark.slow
@pytest.mark.timeout(300)  # pure CPU (~20 s alone); shares two cores with the other worker
def test_a_million_events_keep_memory_bounded() -> None:
    keep = 20_000
    run = LiveRun(Target("example", "1"), keep=keep)
    for events in _batches(1_000_000):
        run.ingest(events)
    # Steady state: once a million events went through, 200,000 more may only replace what
    # the ring buffer and the capped histories already hold.
    tracemalloc.start()
    try:
        for events in _batches(200_000):
            run.ingest(events)
        run.snapshot()
        growth = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        reference = [event for events in _batches(keep) for event in events]
        one_buffer = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(run.events) == keep
    assert len(reference) == keep
    # Unbounded storage would keep all 200,000 new events (ten buffers' worth).
    assert growth <= 3 * one_buffer, (growth, one_buffer)
