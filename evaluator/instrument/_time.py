"""Instrumented ``time.sleep`` and clocks: virtual under the scheduler, real otherwise."""

from __future__ import annotations

import time as _real_time
from typing import Protocol

from evaluator import realtime
from evaluator.events import EventKind
from evaluator.instrument._runtime import call_site, controlled, emit

__all__ = [
    "ClockSource",
    "clock_gettime",
    "clock_gettime_ns",
    "monotonic",
    "monotonic_ns",
    "override",
    "perf_counter",
    "perf_counter_ns",
    "sleep",
    "time",
    "time_ns",
]


class ClockSource(Protocol):
    """A clock a check can put in charge of every clock read (e.g. one whose wall time jumps)."""

    def monotonic_ns(self) -> int: ...
    def time_ns(self) -> int: ...
    def sleep(self, seconds: float) -> None: ...


override: ClockSource | None = None
"""When set, every instrumented clock read and sleep goes to it, wherever the program got the
function from (``time.monotonic``, ``from time import monotonic``, a default argument captured
at import, ``time.clock_gettime``): a check that steps the wall clock reaches them all."""

VIRTUAL_MONOTONIC_BASE_NS = 1_000_000_000_000
"""Virtual clocks start here, so replays see identical timestamps."""
VIRTUAL_EPOCH_NS = 1_700_000_000 * 1_000_000_000


def sleep(secs: float) -> None:
    """``time.sleep``: a scheduling decision that advances the virtual clock when controlled."""
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    if override is not None:
        override.sleep(secs)
        return
    where = call_site()
    emit(EventKind.SLEEP_START, value=int(secs * 1e9), where=where)
    c = controlled()
    try:
        if c is None:
            realtime.sleep(secs)
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
    if override is not None:
        return override.monotonic_ns()
    v = _virtual_ns()
    return realtime.monotonic_ns() if v is None else VIRTUAL_MONOTONIC_BASE_NS + v


def monotonic() -> float:
    return monotonic_ns() / 1e9


def perf_counter_ns() -> int:
    if override is not None:
        return override.monotonic_ns()
    v = _virtual_ns()
    return realtime.perf_counter_ns() if v is None else VIRTUAL_MONOTONIC_BASE_NS + v


def perf_counter() -> float:
    return perf_counter_ns() / 1e9


def time_ns() -> int:
    if override is not None:
        return override.time_ns()
    v = _virtual_ns()
    return realtime.time_ns() if v is None else VIRTUAL_EPOCH_NS + v


def time() -> float:
    return time_ns() / 1e9


_MONOTONIC_CLOCKS = {
    getattr(_real_time, name)
    for name in (
        "CLOCK_MONOTONIC",
        "CLOCK_MONOTONIC_RAW",
        "CLOCK_BOOTTIME",
        "CLOCK_HIGHRES",
        "CLOCK_UPTIME",
    )
    if hasattr(_real_time, name)
}
_REALTIME_CLOCKS = {
    getattr(_real_time, name)
    for name in ("CLOCK_REALTIME", "CLOCK_TAI")
    if hasattr(_real_time, name)
}
_real_clock_gettime_ns = getattr(_real_time, "clock_gettime_ns", None)


def clock_gettime_ns(clk_id: int) -> int:
    """``time.clock_gettime_ns``: monotonic and wall clocks are virtualized like the others."""
    if clk_id in _MONOTONIC_CLOCKS:
        return monotonic_ns()
    if clk_id in _REALTIME_CLOCKS:
        return time_ns()
    assert _real_clock_gettime_ns is not None
    return int(_real_clock_gettime_ns(clk_id))


def clock_gettime(clk_id: int) -> float:
    return clock_gettime_ns(clk_id) / 1e9
