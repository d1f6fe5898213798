"""In-node coordination between tasks: a queue. (A :class:`~simworld.world.Future`
serves as a one-shot event: many tasks may ``await`` it; one calls ``set_result``.)

Tasks of one node share memory, so no locks are needed between two ``await``\\ s: the
simulation runs one task at a time and switches only at an ``await``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simworld.world import Future, SimError

__all__ = ["NotEnoughReplies", "Queue", "QueueFull", "first"]


class QueueFull(SimError):
    """``put_nowait`` on a full bounded queue."""


class NotEnoughReplies(SimError):
    """:func:`first` could not collect the replies it needed (too many calls failed)."""


def first(k: int, futures: list[Future]) -> Future:
    """``await first(k, calls)``: the results of the first ``k`` calls that succeed, in
    completion order (a quorum). Raises :class:`NotEnoughReplies` once ``k`` became impossible."""
    done = Future()
    results: list[Any] = []
    failures = 0

    def on_done(future: Future) -> None:
        nonlocal failures
        if done.done:
            return
        if future._error is not None:
            failures += 1
            if failures > len(futures) - k:
                done.set_error(NotEnoughReplies(f"only {len(results)} of the {k} replies needed"))
            return
        results.append(future._result)
        if len(results) == k:
            done.set_result(list(results))

    for future in futures:
        future.add_done_callback(on_done)
    if k <= 0:
        done.set_result([])
    return done


class Queue:
    """FIFO queue; ``maxsize=0`` means unbounded. ``peak`` is the largest size it reached."""

    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._items: deque[Any] = deque()
        self._getters: deque[Future] = deque()
        self._putters: deque[tuple[Future, Any]] = deque()
        self.peak = 0

    def qsize(self) -> int:
        return len(self._items)

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def put_nowait(self, item: Any) -> None:
        """Add ``item`` or raise :class:`QueueFull`."""
        if self.full():
            raise QueueFull(f"queue full ({self.maxsize} items)")
        self._append(item)

    def put(self, item: Any) -> Future:
        """``await queue.put(item)``: waits while the queue is full (backpressure)."""
        done = Future()
        if self.full():
            self._putters.append((done, item))
        else:
            self._append(item)
            done.set_result(None)
        return done

    def get(self) -> Future:
        """``await queue.get()``: the oldest item, waiting while the queue is empty."""
        got = Future()
        if self._items:
            got.set_result(self._items.popleft())
            self._admit_putter()
        else:
            self._getters.append(got)
        return got

    def _append(self, item: Any) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done:
                getter.set_result(item)
                return
        self._items.append(item)
        self.peak = max(self.peak, len(self._items))

    def _admit_putter(self) -> None:
        if self._putters and not self.full():
            done, item = self._putters.popleft()
            self._append(item)
            done.set_result(None)
