"""Fold a stream of :class:`evaluator.events.Event` into immutable snapshots of the world.

The project's one reduction of events into "who is doing what": the live visualizer polls
:meth:`Fold.snapshot` from its UI thread (lanes with bounded history, lock wait totals, queue
depth series, a simulated world's messages), tests and benchmarks fold recorded runs, and
:func:`deadlock_cycle` reads the same snapshot through the detectors' wait-for cycle rule.
Memory is bounded: every history is a ring buffer, however many events arrive.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from evaluator.detectors.deadlock import wait_for_cycle
from evaluator.events import Event, EventKind

__all__ = [
    "ActorState",
    "ActorView",
    "Fold",
    "LockView",
    "Message",
    "QueueView",
    "VisSnapshot",
    "deadlock_cycle",
]

HISTORY = 1024
"""Transitions kept per actor (coalesced: only changes of state are stored). When full, the
older half is thinned (every other transition dropped), so the lane still covers the whole
run, at a coarser resolution for the past, instead of going blank at its start."""
MESSAGES = 4096
"""Messages kept for the space-time diagram."""
SERIES = 512
"""Points kept per queue depth / memory series."""
ALERTS = 64
"""Findings kept with their time for the space-time diagram's markers (it shows the latest)."""


class ActorState(StrEnum):
    """What a thread or task is doing."""

    RUNNING = "running"
    LOCK = "waiting-lock"
    QUEUE = "waiting-queue"
    JOIN = "waiting-join"
    EVENT = "waiting-event"
    SLEEPING = "sleeping"
    DONE = "done"


_RUNNING, _LOCK = ActorState.RUNNING, ActorState.LOCK
_ACQUIRE, _RELEASE = EventKind.LOCK_ACQUIRE, EventKind.LOCK_RELEASE
_PUT, _GET, _SLEEP_END = EventKind.QUEUE_PUT, EventKind.QUEUE_GET, EventKind.SLEEP_END
_MEMORY, _FINDING, _MESSAGE, _MARK = (
    EventKind.MEMORY,
    EventKind.FINDING,
    EventKind.MESSAGE,
    EventKind.MARK,
)
_THREAD_END, _TASK_END = EventKind.THREAD_END, EventKind.TASK_END

_WAITS = {
    EventKind.LOCK_WAIT: ActorState.LOCK,
    EventKind.QUEUE_WAIT: ActorState.QUEUE,
    EventKind.JOIN_WAIT: ActorState.JOIN,
    EventKind.EVENT_WAIT: ActorState.EVENT,
    EventKind.SLEEP_START: ActorState.SLEEPING,
}
_LOCK_WAIT, _SLEEP_START, _QUEUE_WAIT = (
    EventKind.LOCK_WAIT,
    EventKind.SLEEP_START,
    EventKind.QUEUE_WAIT,
)
_JOIN_WAIT, _EVENT_WAIT = EventKind.JOIN_WAIT, EventKind.EVENT_WAIT
_SLEEPING, _QUEUE_STATE, _JOIN, _EVENT = (
    ActorState.SLEEPING,
    ActorState.QUEUE,
    ActorState.JOIN,
    ActorState.EVENT,
)
"""The waits of ``_WAITS`` as identity tests: an Enum member's hash is Python-level, ``is`` is not."""


@dataclass(frozen=True)
class ActorView:
    name: str
    state: ActorState
    obj: str | None
    """What it waits on (lock, queue, thread, event), when waiting."""
    transitions: tuple[tuple[int, ActorState], ...]
    """(ts_ns, new state), oldest first, bounded."""
    started_ns: int = 0
    """When the actor's first event arrived (before it: not started)."""


@dataclass(frozen=True)
class LockView:
    name: str
    owner: str | None
    waiters: int
    wait_ns: int
    """Total time actors spent waiting for it, including waits still going on now."""
    acquisitions: int


@dataclass(frozen=True)
class QueueView:
    name: str
    depth: int
    peak: int
    history: tuple[int, ...]


@dataclass(frozen=True)
class Message:
    """A message between two actors of a simulated world (a request, a reply, a drop)."""

    sent_ns: int
    arrived_ns: int
    source: str
    target: str
    label: str

    @property
    def lost(self) -> bool:
        return self.label.endswith("lost")


@dataclass(frozen=True)
class VisSnapshot:
    """Everything one frame needs; safe to hand to the UI thread."""

    actors: tuple[ActorView, ...] = ()
    locks: tuple[LockView, ...] = ()
    queues: tuple[QueueView, ...] = ()
    memory: tuple[tuple[int, int], ...] = ()
    """(ts_ns, bytes) samples, oldest first, bounded."""
    findings: tuple[str, ...] = ()
    alerts: tuple[tuple[int, str], ...] = ()
    """(ts_ns, text) of each finding: where a space-time diagram marks the violation."""
    messages: tuple[Message, ...] = ()
    """Messages of a simulated world, by arrival, bounded."""
    start_ns: int = 0
    now_ns: int = 0
    events: int = 0
    last_event: Event | None = None


@dataclass
class _Actor:
    name: str
    started_ns: int = 0
    state: ActorState = ActorState.RUNNING
    obj: str | None = None
    transitions: list[tuple[int, ActorState]] = field(default_factory=list)


@dataclass
class _Lock:
    owner: str | None = None
    waiters: dict[str, int] = field(default_factory=dict)
    """Waiting actor -> when it started waiting."""
    wait_ns: int = 0
    acquisitions: int = 0


@dataclass
class _Queue:
    depth: int = 0
    peak: int = 0
    history: deque[int] = field(default_factory=lambda: deque(maxlen=SERIES))


class Fold:
    """Mutable reducer; :meth:`snapshot` returns an immutable copy. Not thread-safe by itself."""

    def __init__(self) -> None:
        self._actors: dict[tuple[int, str], _Actor] = {}
        """Keyed by (id, name): thread idents are reused after a thread ends."""
        self._locks: dict[str, _Lock] = {}
        self._queues: dict[str, _Queue] = {}
        self._memory: deque[tuple[int, int]] = deque(maxlen=SERIES)
        self._findings: list[str] = []
        self._alerts: deque[tuple[int, str]] = deque(maxlen=ALERTS)
        self._messages: deque[Message] = deque(maxlen=MESSAGES)
        self.start_ns = 0
        self.now_ns = 0
        self.count = 0
        self.last: Event | None = None

    def _actor(self, event: Event) -> _Actor:
        key = (event.actor_id, event.actor)
        actor = self._actors.get(key)
        if actor is None:
            actor = self._actors[key] = _Actor(event.actor, event.ts_ns)
            actor.transitions.append((event.ts_ns, ActorState.RUNNING))
        return actor

    def _set(self, actor: _Actor, state: ActorState, ts: int, obj: str | None = None) -> None:
        if actor.state is _LOCK and actor.obj is not None:
            self._stop_waiting(actor.name, actor.obj, ts)
        actor.obj = obj
        if state is not actor.state:
            actor.state = state
            transitions = actor.transitions
            transitions.append((ts, state))
            if (
                len(transitions) > HISTORY
            ):  # thin the older half: coarser past, whole run still covered
                half = HISTORY // 2
                transitions[:half] = transitions[:half:2]

    def _stop_waiting(self, name: str, lock_name: str, ts: int) -> None:
        """Close a lock wait (acquired, timed out or gave up): its time counts as contention."""
        lock = self._locks.get(lock_name)
        if lock is not None and name in lock.waiters:
            lock.wait_ns += max(0, ts - lock.waiters.pop(name))

    def apply(self, event: Event) -> None:
        """Fold one event in (O(1)); the common kinds are tested first, by identity."""
        ts = event.ts_ns
        if not self.count:
            self.start_ns = ts
        self.count += 1
        if ts > self.now_ns:
            self.now_ns = ts
        self.last = event
        kind = event.kind
        obj = event.obj
        if (
            kind is _ACQUIRE
            or kind is _RELEASE
            or kind is _PUT
            or kind is _GET
            or kind is _SLEEP_END
        ):
            actor = self._actor(event)
            if obj:
                if kind is _ACQUIRE:
                    self._set(actor, _RUNNING, ts)
                    lock = self._locks.get(obj) or self._locks.setdefault(obj, _Lock())
                    lock.owner = actor.name
                    lock.acquisitions += 1
                elif kind is _RELEASE:
                    lock = self._locks.get(obj) or self._locks.setdefault(obj, _Lock())
                    if lock.owner == actor.name:
                        lock.owner = None
                elif kind is not _SLEEP_END:
                    queue = self._queues.get(obj) or self._queues.setdefault(obj, _Queue())
                    queue.depth = depth = event.value or 0
                    if depth > queue.peak:
                        queue.peak = depth
                    queue.history.append(depth)
            self._set(actor, _RUNNING, ts)
            return
        state = (
            _LOCK
            if kind is _LOCK_WAIT
            else _SLEEPING
            if kind is _SLEEP_START
            else _QUEUE_STATE
            if kind is _QUEUE_WAIT
            else _JOIN
            if kind is _JOIN_WAIT
            else _EVENT
            if kind is _EVENT_WAIT
            else None
        )
        if state is not None:
            actor = self._actor(event)
            self._set(actor, state, ts, obj)
            if state is _LOCK and obj:
                (self._locks.get(obj) or self._locks.setdefault(obj, _Lock())).waiters[
                    actor.name
                ] = ts
            return
        if kind is _MEMORY:
            self._memory.append((ts, event.value or 0))
        elif kind is _FINDING:
            self._findings.append(event.detail or "finding")
            self._alerts.append((ts, event.detail or "finding"))
        elif kind is _MESSAGE:
            self._actor(event)
            self._messages.append(
                Message(
                    event.value if event.value is not None else ts,
                    ts,
                    event.actor,
                    obj or "?",
                    event.detail or "message",
                )
            )
        elif kind is _MARK:
            return
        elif kind is _THREAD_END or kind is _TASK_END:
            self._set(self._actor(event), ActorState.DONE, ts)
        else:  # starts, LOCK_TIMEOUT (a give-up closes the wait: not a hold, not endless contention)
            self._set(self._actor(event), _RUNNING, ts)

    def copy(self) -> Fold:
        """An independent copy (a rewind starts from a copied checkpoint). Events, messages and
        history points are immutable, so only the containers are copied: cheap enough to take
        while events stream in."""
        other = Fold()
        other._actors = {
            key: _Actor(a.name, a.started_ns, a.state, a.obj, list(a.transitions))
            for key, a in self._actors.items()
        }
        other._locks = {
            name: _Lock(lock.owner, dict(lock.waiters), lock.wait_ns, lock.acquisitions)
            for name, lock in self._locks.items()
        }
        other._queues = {
            name: _Queue(q.depth, q.peak, deque(q.history, maxlen=SERIES))
            for name, q in self._queues.items()
        }
        other._memory = deque(self._memory, maxlen=SERIES)
        other._findings = list(self._findings)
        other._alerts = deque(self._alerts, maxlen=self._alerts.maxlen)
        other._messages = deque(self._messages, maxlen=MESSAGES)
        other.start_ns, other.now_ns, other.count, other.last = (
            self.start_ns,
            self.now_ns,
            self.count,
            self.last,
        )
        return other

    def snapshot(self) -> VisSnapshot:
        now = self.now_ns
        return VisSnapshot(
            actors=tuple(
                ActorView(a.name, a.state, a.obj, tuple(a.transitions), a.started_ns)
                for a in self._actors.values()
            ),
            locks=tuple(
                LockView(
                    name,
                    lock.owner,
                    len(lock.waiters),
                    lock.wait_ns + sum(max(0, now - since) for since in lock.waiters.values()),
                    lock.acquisitions,
                )
                for name, lock in self._locks.items()
            ),
            queues=tuple(
                QueueView(name, q.depth, q.peak, tuple(q.history))
                for name, q in self._queues.items()
            ),
            memory=tuple(self._memory),
            findings=tuple(self._findings),
            alerts=tuple(self._alerts),
            messages=tuple(self._messages),
            start_ns=self.start_ns,
            now_ns=self.now_ns,
            events=self.count,
            last_event=self.last,
        )


def deadlock_cycle(snapshot: VisSnapshot) -> tuple[str, ...]:
    """Actors in a wait-for cycle (each waits for a lock the next one owns), or ``()``.

    A live overlay for the visualizer, by the deadlock detector's rule
    (:func:`evaluator.detectors.deadlock.wait_for_cycle`); the grader's verdict is the authority.
    """
    owner = {lock.name: lock.owner for lock in snapshot.locks if lock.owner}
    waits_for = {
        a.name: owner[a.obj]
        for a in snapshot.actors
        if a.state is ActorState.LOCK and a.obj in owner and owner[a.obj] != a.name
    }
    return tuple(wait_for_cycle(waits_for))
