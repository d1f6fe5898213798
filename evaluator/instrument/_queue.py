"""Instrumented queues: the stdlib queue logic on instrumented locks, plus put/get/depth events.

Events (and their call sites) are built only while someone reads them; the depth high-water
mark is kept always, it costs a comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evaluator import events, realtime
from evaluator.events import EventKind
from evaluator.instrument import _runtime
from evaluator.instrument._locks import Condition, Lock
from evaluator.instrument._runtime import Named, call_site, emit, preempt_point

__all__ = ["LifoQueue", "PriorityQueue", "Queue", "SimpleQueue"]

_log = events.event_log


class _Instrumented(Named):
    """Mixin over a stdlib queue class: swaps its locks for instrumented ones and reports depth."""

    _cl_kind = "Queue"
    high_water = 0
    """Largest depth seen."""

    def _cl_setup(self) -> None:
        self.mutex = Lock(_quiet=True)
        self.not_empty = self._condition("get")
        self.not_full = self._condition("put")
        self.all_tasks_done = Condition(self.mutex, _quiet=True)
        self.all_tasks_done._cl_public = self
        self._cl_name_from_creator()

    def _condition(self, side: str) -> Condition:
        def on_wait() -> None:
            emit(EventKind.QUEUE_WAIT, self.cl_name, where=call_site(), value=self._qsize())

        cond = Condition(self.mutex, _quiet=True, _on_wait=on_wait)
        cond._cl_public = self
        return cond

    if TYPE_CHECKING:

        def _qsize(self) -> int: ...  # the stdlib queue's, later in the MRO

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if _runtime.controller is not None:
            preempt_point()
        super().put(item, block, timeout)  # type: ignore[misc]

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if _runtime.controller is not None:
            preempt_point()
        return super().get(block, timeout)  # type: ignore[misc]

    def _put(self, item: Any) -> None:
        super()._put(item)  # type: ignore[misc]
        depth = self._qsize()
        if depth > self.high_water:
            self.high_water = depth
        if _log.observed:
            emit(EventKind.QUEUE_PUT, self.cl_name, value=depth, where=call_site())

    def _get(self) -> Any:
        item = super()._get()  # type: ignore[misc]
        if _log.observed:
            emit(EventKind.QUEUE_GET, self.cl_name, value=self._qsize(), where=call_site())
        return item


class Queue(_Instrumented, realtime.Queue[Any]):  # type: ignore[misc]
    """Drop-in for ``queue.Queue``."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._cl_setup()


class LifoQueue(_Instrumented, realtime.LifoQueue[Any]):  # type: ignore[misc]
    """Drop-in for ``queue.LifoQueue``."""

    _cl_kind = "LifoQueue"

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._cl_setup()


class PriorityQueue(_Instrumented, realtime.PriorityQueue[Any]):  # type: ignore[misc]
    """Drop-in for ``queue.PriorityQueue``."""

    _cl_kind = "PriorityQueue"

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._cl_setup()


class SimpleQueue(Queue):
    """Drop-in for ``queue.SimpleQueue`` (unbounded FIFO)."""

    _cl_kind = "SimpleQueue"

    def __init__(self) -> None:
        super().__init__(0)
