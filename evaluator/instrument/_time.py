"""Instrumented ``time.sleep`` and clocks: virtual under the scheduler, real otherwise."""

from __future__ import annotations

from evaluator.events import EventKind
from evaluator.instrument import _real
from evaluator.instrument._runtime import call_site, controlled, emit

__all__ = ["monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "sleep", "time", "time_ns"]

VIRTUAL_MONOTONIC_BASE_NS = 1_000_000_000_000
"""Virtual clocks start here, so replays see identical timestamps."""
VIRTUAL_EPOCH_NS = 1_700_000_000 * 1_000_000_000


def sleep(secs: float) -> None:
    """``time.sleep``: a scheduling decision that advances the virtual clock when controlled."""
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    where = call_site()
    emit(EventKind.SLEEP_START, value=int(secs * 1e9), where=where)
    c = controlled()
    try:
        if c is None:
            _real.sleep(secs)
        elif secs == 0:
            c[0].preempt(c[1])
        else:
            c[0].block(c[1], lambda: False, secs, None, "sleep")
    finally:
        emit(EventKind.SLEEP_END, where=where)


def _virtual_ns() -> int | None:
    c = controlled()
    return None if c is None else c[0].now_ns()


def monotonic_ns() -> int:
    v = _virtual_ns()
    return _real.monotonic_ns() if v is None else VIRTUAL_MONOTONIC_BASE_NS + v


def monotonic() -> float:
    return monotonic_ns() / 1e9


def perf_counter_ns() -> int:
    v = _virtual_ns()
    return _real.perf_counter_ns() if v is None else VIRTUAL_MONOTONIC_BASE_NS + v


def perf_counter() -> float:
    return perf_counter_ns() / 1e9


def time_ns() -> int:
    v = _virtual_ns()
    return _real.time_ns() if v is None else VIRTUAL_EPOCH_NS + v


def time() -> float:
    return time_ns() / 1e9
