"""The one event model shared by the grader, the TUI visualizer and `learn trace`.

Instrumented primitives call :func:`emit`; consumers subscribe, or ask the log to keep a
bounded record (:meth:`EventLog.recording`) and read it. Events are small immutable records;
everything downstream (wait-for graphs, lock heatmaps, Chrome trace JSON) is derived from them.
Emitting never blocks: the log is a ring buffer, so memory stays bounded however many events a
program produces. Instrumentation builds events only while :attr:`EventLog.observed` (someone
subscribes or records): a program nobody watches pays for no event at all.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

__all__ = ["Event", "EventKind", "EventLog", "emit", "event_log", "subscribe"]


class EventKind(str, Enum):
    """What happened."""

    THREAD_START = "thread-start"
    THREAD_END = "thread-end"
    TASK_START = "task-start"
    TASK_END = "task-end"
    LOCK_WAIT = "lock-wait"
    """An actor started waiting for a lock/semaphore/condition (``obj``)."""
    LOCK_ACQUIRE = "lock-acquire"
    LOCK_RELEASE = "lock-release"
    LOCK_TIMEOUT = "lock-timeout"
    """A wait for a lock/semaphore (``obj``) ended without acquiring it (timeout or non-blocking)."""
    QUEUE_PUT = "queue-put"
    """``value`` is the queue depth after the put."""
    QUEUE_GET = "queue-get"
    """``value`` is the queue depth after the get."""
    QUEUE_WAIT = "queue-wait"
    """An actor blocks on a full (put) or empty (get) queue."""
    SLEEP_START = "sleep-start"
    SLEEP_END = "sleep-end"
    JOIN_WAIT = "join-wait"
    EVENT_WAIT = "event-wait"
    MESSAGE = "message"
    """A message from ``actor`` arrived at ``obj`` (simulated worlds); ``value`` is when it was
    sent (ns), ``detail`` what it was ("… lost": dropped, never arrived)."""
    MEMORY = "memory"
    """``value`` is traced memory in bytes."""
    FINDING = "finding"
    """A detector found something; ``detail`` says what (the visualizer highlights it)."""
    MARK = "mark"
    """Free-form annotation (``detail``), e.g. narration in a lesson."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, at one instant, to one actor."""

    seq: int
    """Global order of emission (total order, unlike timestamps)."""
    ts_ns: int
    """``time.perf_counter_ns()`` at emission (or virtual time under the scheduler)."""
    kind: EventKind
    actor: str
    """Thread or task name."""
    actor_id: int
    obj: str | None = None
    """The lock/queue/semaphore involved, by its display name."""
    value: int | None = None
    location: str | None = None
    """``file.py:LINE`` in the learner's code, when known."""
    detail: str | None = None


Subscriber = Callable[[Event], None]


class EventLog:
    """A bounded, thread-safe log of events with optional live subscribers."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._events: deque[Event] = deque(maxlen=capacity)
        self._seq = itertools.count()
        self._lock = threading.Lock()  # the real lock: created before instrumentation is installed
        self._subscribers: list[Subscriber] = []
        self.dropped = 0
        """How many events fell off the front of the ring buffer."""
        self.clock: Callable[[], int] = time.perf_counter_ns
        self._paused = 0
        self._recorders = 0
        self.observed = False
        """Someone reads what is emitted (a subscriber, or a :meth:`recording` block) and the log
        is not paused. Instrumented primitives skip building events and call sites when False."""

    def _update_observed(self) -> None:
        """Recompute :attr:`observed`; call with ``_lock`` held."""
        self.observed = bool(self._subscribers or self._recorders) and not self._paused

    def emit(
        self,
        kind: EventKind,
        actor: str,
        actor_id: int,
        obj: str | None = None,
        value: int | None = None,
        location: str | None = None,
        detail: str | None = None,
    ) -> Event | None:
        """Record one event and hand it to the subscribers (None while paused). Always builds the
        event: callers in hot paths (the instrumentation) check :attr:`observed` first."""
        if self._paused:
            return None
        with self._lock:
            event = Event(
                next(self._seq), self.clock(), kind, actor, actor_id, obj, value, location, detail
            )
            if len(self._events) == self._events.maxlen:
                self.dropped += 1
            self._events.append(event)
            subscribers = tuple(self._subscribers)
        for subscriber in subscribers:
            subscriber(event)
        return event

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` for every future event; returns an unsubscribe function."""
        with self._lock:
            self._subscribers.append(subscriber)
            self._update_observed()

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)
                self._update_observed()

        return unsubscribe

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Keep instrumentation's events in the ring buffer inside the block (nestable), for a
        reader that looks at :meth:`snapshot` afterwards rather than subscribing."""
        with self._lock:
            self._recorders += 1
            self._update_observed()
        try:
            yield
        finally:
            with self._lock:
                self._recorders -= 1
                self._update_observed()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Record nothing inside the block (nestable), e.g. while the grader measures memory:
        the growing ring buffer would otherwise look like the program's own leak."""
        with self._lock:
            self._paused += 1
            self._update_observed()
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1
                self._update_observed()

    def snapshot(self) -> tuple[Event, ...]:
        """An immutable copy of the events currently held."""
        with self._lock:
            return tuple(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self.dropped = 0

    def __iter__(self) -> Iterator[Event]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        return len(self._events)


event_log = EventLog()
"""The process-wide log that instrumentation writes to."""


def emit(kind: EventKind, actor: str, actor_id: int, **fields: object) -> Event | None:
    """Emit to the process-wide log (see :meth:`EventLog.emit`)."""
    return event_log.emit(kind, actor, actor_id, **fields)  # type: ignore[arg-type]


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    return event_log.subscribe(subscriber)
