"""A virtual clock for grading rate limiters: wall time can be stepped, monotonic time cannot.

:func:`installed` swaps it into the learner's module, both for ``import time`` (the module
attribute) and for names imported with ``from time import monotonic``.
"""

from __future__ import annotations

import time as _real_time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

_CLOCK_FUNCTIONS = ("time", "monotonic", "perf_counter", "sleep", "time_ns", "monotonic_ns", "perf_counter_ns")


class VirtualClock:
    """Virtual seconds: ``sleep`` advances them instantly; ``step_wall`` mimics an NTP correction."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.elapsed = 1_000.0
        self.wall_offset = start
        self._planned: list[tuple[float, float]] = []

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)
        while self._planned and self._planned[0][0] <= self.elapsed:
            _at, step = self._planned.pop(0)
            self.wall_offset += step

    def step_wall_in(self, seconds_from_now: float, step: float) -> None:
        """Step the wall clock by ``step`` once ``seconds_from_now`` of elapsed time have passed
        (an NTP correction landing while the program is waiting)."""
        self._planned.append((self.elapsed + seconds_from_now, step))
        self._planned.sort()

    def step_wall(self, seconds: float) -> None:
        """Move only the wall clock (``time.time``), as ``ntpdate`` or an admin does."""
        self.wall_offset += seconds

    def time(self) -> float:
        return self.wall_offset + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def time_ns(self) -> int:
        return int(self.time() * 1e9)

    def monotonic_ns(self) -> int:
        return int(self.elapsed * 1e9)

    perf_counter_ns = monotonic_ns


class _TimeModuleProxy:
    """Looks like the ``time`` module, with the clock functions served by a VirtualClock."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        if name in _CLOCK_FUNCTIONS:
            return getattr(self._clock, name)
        return getattr(_real_time, name)


@contextmanager
def installed(module: ModuleType, clock: VirtualClock) -> Iterator[VirtualClock]:
    """Within the block, every clock read of ``module`` goes to ``clock``; restored afterwards."""
    from evaluator.instrument import _time as instrumented_time

    saved = dict(vars(module))
    saved_override = instrumented_time.override
    instrumented_time.override = clock  # reaches captured defaults, clock_gettime, datetime too
    for name, value in saved.items():
        if isinstance(value, ModuleType) and value.__name__ == "time":
            setattr(module, name, _TimeModuleProxy(clock))
        else:
            for function in _CLOCK_FUNCTIONS:
                if value is getattr(_real_time, function, None):
                    setattr(module, name, getattr(clock, function))
    try:
        yield clock
    finally:
        instrumented_time.override = saved_override
        for name, value in saved.items():
            setattr(module, name, value)
