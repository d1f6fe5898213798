"""Fold the event stream into immutable snapshots of the world (for the TUI and detectors).

``StateTracker.apply(event)`` updates mutable bookkeeping; ``snapshot()`` returns frozen
dataclasses a visualizer can poll from another thread without locks or surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluator.events import Event, EventKind

__all__ = ["LockStats", "QueueStats", "StateTracker", "ThreadState", "WorldSnapshot"]

RUNNING, WAITING_LOCK, WAITING_QUEUE, SLEEPING, DONE = "running", "waiting-lock", "waiting-queue", "sleeping", "done"


@dataclass(frozen=True)
class ThreadState:
    name: str
    state: str
    """running, waiting-lock, waiting-queue, sleeping or done."""
    waiting_on: str | None = None


@dataclass(frozen=True)
class LockStats:
    name: str
    owner: str | None
    waiters: tuple[str, ...]
    wait_ns: int
    """Total time threads spent waiting for it."""
    hold_ns: int
    """Total time it was held."""
    acquisitions: int
    contended: int
    """Acquisitions that had to wait."""


@dataclass(frozen=True)
class QueueStats:
    name: str
    depth: int
    high_water: int
    puts: int
    gets: int


@dataclass(frozen=True)
class WorldSnapshot:
    ts_ns: int
    threads: tuple[ThreadState, ...]
    locks: tuple[LockStats, ...]
    queues: tuple[QueueStats, ...]
    memory_bytes: int | None
    events: int
    """Events folded so far."""


@dataclass
class _Lock:
    owner: str | None = None
    waiters: dict[str, int] = field(default_factory=dict)  # actor -> wait start
    wait_ns: int = 0
    hold_ns: int = 0
    held_since: int | None = None
    acquisitions: int = 0
    contended: int = 0


@dataclass
class _Queue:
    depth: int = 0
    high_water: int = 0
    puts: int = 0
    gets: int = 0


_WAITS = {
    EventKind.LOCK_WAIT: WAITING_LOCK,
    EventKind.EVENT_WAIT: WAITING_LOCK,
    EventKind.JOIN_WAIT: WAITING_LOCK,
    EventKind.QUEUE_WAIT: WAITING_QUEUE,
    EventKind.SLEEP_START: SLEEPING,
}


class StateTracker:
    """Folds events, in emission order, into the current state of threads, locks and queues."""

    def __init__(self) -> None:
        self._threads: dict[str, ThreadState] = {}
        self._locks: dict[str, _Lock] = {}
        self._queues: dict[str, _Queue] = {}
        self._memory: int | None = None
        self._ts = 0
        self._count = 0

    def apply(self, event: Event) -> None:
        self._ts = event.ts_ns
        self._count += 1
        kind, actor = event.kind, event.actor
        if kind is EventKind.MEMORY:
            self._memory = event.value
            return
        if kind in (EventKind.FINDING, EventKind.MARK):
            return
        if kind in (EventKind.THREAD_END, EventKind.TASK_END):
            self._threads[actor] = ThreadState(actor, DONE)
            return
        if kind in _WAITS:
            waiting_on = event.obj if kind is not EventKind.SLEEP_START else None
            self._threads[actor] = ThreadState(actor, _WAITS[kind], waiting_on)
        elif kind is not EventKind.SLEEP_END or actor in self._threads:
            self._threads[actor] = ThreadState(actor, RUNNING)
        if event.obj is None:
            return
        if kind is EventKind.LOCK_WAIT:
            self._lock(event.obj).waiters[actor] = event.ts_ns
        elif kind is EventKind.LOCK_ACQUIRE:
            lock = self._lock(event.obj)
            started = lock.waiters.pop(actor, None)
            if started is not None:
                lock.contended += 1
                lock.wait_ns += event.ts_ns - started
            lock.acquisitions += 1
            lock.owner = actor
            lock.held_since = event.ts_ns
        elif kind is EventKind.LOCK_RELEASE:
            lock = self._lock(event.obj)
            if lock.held_since is not None:
                lock.hold_ns += event.ts_ns - lock.held_since
            lock.owner, lock.held_since = None, None
        elif kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET):
            queue = self._queues.setdefault(event.obj, _Queue())
            queue.depth = event.value or 0
            queue.high_water = max(queue.high_water, queue.depth)
            if kind is EventKind.QUEUE_PUT:
                queue.puts += 1
            else:
                queue.gets += 1

    def _lock(self, name: str) -> _Lock:
        return self._locks.setdefault(name, _Lock())

    def snapshot(self) -> WorldSnapshot:
        return WorldSnapshot(
            ts_ns=self._ts,
            threads=tuple(self._threads.values()),
            locks=tuple(
                LockStats(name, s.owner, tuple(s.waiters), s.wait_ns, s.hold_ns, s.acquisitions, s.contended)
                for name, s in self._locks.items()
            ),
            queues=tuple(QueueStats(name, q.depth, q.high_water, q.puts, q.gets) for name, q in self._queues.items()),
            memory_bytes=self._memory,
            events=self._count,
        )
