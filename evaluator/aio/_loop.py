"""A seeded asyncio event loop with virtual time.

Time only moves when every task waits: the selector, asked to sleep until the next timer,
advances the virtual clock instead. Order is perturbed only where real asyncio is
nondeterministic: timers due at the same instant (a seeded sub-nanosecond jitter on each
timer), and the order of I/O events returned in one batch. When nothing is ready, no timer is
pending and no executor job or foreign thread could wake the loop, :class:`AsyncDeadlock` is
raised at once.
"""

from __future__ import annotations

import asyncio
import random
import selectors
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["AsyncDeadlock", "VirtualTimeLoop"]

_FOREIGN_WAIT_SECONDS = 2.0
"""How long to wait, in real time, for a thread that might still wake the loop."""


class AsyncDeadlock(RuntimeError):
    """Every task waits, no timer is pending, and nothing outside the loop can wake it."""


class _VirtualSelector(selectors.BaseSelector):
    """Delegates registration to a real selector; turns "sleep until the next timer" into a clock jump."""

    def __init__(self) -> None:
        self._real = selectors.DefaultSelector()
        self.loop: VirtualTimeLoop | None = None
        self._idle_real = 0.0

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        loop = self.loop
        assert loop is not None
        ready = self._real.select(0)
        if ready:
            self._idle_real = 0.0
            loop._rng.shuffle(ready)
            return ready
        if timeout is not None and timeout <= 0:
            return []
        if loop._external_jobs or (timeout is None and loop._foreign_threads_alive()):
            # An executor job or another thread may still call back: give it real time.
            step = 0.01 if timeout is None else min(timeout, 0.005)
            ready = self._real.select(step)
            if ready:
                self._idle_real = 0.0
                return ready
            if timeout is None:
                self._idle_real += step
                if not loop._external_jobs and self._idle_real >= _FOREIGN_WAIT_SECONDS:
                    raise AsyncDeadlock("every task is waiting and nothing can wake them")
                return []
        if timeout is None:
            raise AsyncDeadlock("every task is waiting and nothing can wake them")
        loop._now += timeout
        self._idle_real = 0.0
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """``asyncio`` loop whose ``time()`` is virtual and whose timer ties are broken by a seed."""

    def __init__(self, seed: int) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self._now = 0.0
        self._rng = random.Random(seed)
        self._external_jobs = 0
        self._baseline_threads = set(threading.enumerate())
        self.on_task_step: Callable[[asyncio.Task[Any]], None] | None = None
        """Called after each step of a task (the interleaving evidence)."""

    def time(self) -> float:
        return self._now

    def call_at(  # type: ignore[override]
        self, when: float, callback: Any, *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        # Real timers scheduled "at the same time" differ by scheduling jitter; model it, seeded.
        jitter = self._rng.random() * self._clock_resolution * 0.5  # type: ignore[attr-defined]
        return super().call_at(when + jitter, callback, *args, context=context)

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> asyncio.Future[Any]:  # type: ignore[override]
        future = super().run_in_executor(executor, func, *args)
        self._external_jobs += 1

        def done(_: asyncio.Future[Any]) -> None:
            self._external_jobs -= 1

        future.add_done_callback(done)
        return future

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:  # type: ignore[override]
        task = getattr(callback, "__self__", None)
        if self.on_task_step is not None and isinstance(task, asyncio.Task):
            callback = self._observed(callback, task)
        return super().call_soon(callback, *args, context=context)

    def _observed(self, step: Any, task: asyncio.Task[Any]) -> Any:
        def run_step(*args: Any) -> Any:
            try:
                return step(*args)
            finally:
                if self.on_task_step is not None:
                    self.on_task_step(task)

        return run_step

    def _foreign_threads_alive(self) -> bool:
        return any(t.is_alive() and t not in self._baseline_threads for t in threading.enumerate())
