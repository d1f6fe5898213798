"""Fold a stream of :class:`evaluator.events.Event` into immutable snapshots the UI draws.

This is the visualizer's own reduction of events into "who is doing what" (the grader's
``evaluator.state.StateTracker`` is the shared one once it lands; the snapshot types here are
what the widgets need: lanes with bounded history, lock wait totals, queue depth series).
Memory is bounded: every history is a ring buffer, however many events arrive.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from evaluator.events import Event, EventKind

__all__ = ["ActorState", "ActorView", "Fold", "LockView", "Message", "QueueView", "VisSnapshot", "deadlock_cycle"]

HISTORY = 1024
"""Transitions kept per actor (coalesced: only changes of state are stored). When full, the
older half is thinned (every other transition dropped), so the lane still covers the whole
run, at a coarser resolution for the past, instead of going blank at its start."""
MESSAGES = 4096
"""Messages kept for the space-time diagram."""
SERIES = 512
"""Points kept per queue depth / memory series."""


class ActorState(StrEnum):
    """What a thread or task is doing."""

    RUNNING = "running"
    LOCK = "waiting-lock"
    QUEUE = "waiting-queue"
    JOIN = "waiting-join"
    EVENT = "waiting-event"
    SLEEPING = "sleeping"
    DONE = "done"


_WAITS = {
    EventKind.LOCK_WAIT: ActorState.LOCK,
    EventKind.QUEUE_WAIT: ActorState.QUEUE,
    EventKind.JOIN_WAIT: ActorState.JOIN,
    EventKind.EVENT_WAIT: ActorState.EVENT,
    EventKind.SLEEP_START: ActorState.SLEEPING,
}


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

    def add(self, ts: int, state: ActorState) -> None:
        transitions = self.transitions
        transitions.append((ts, state))
        if len(transitions) > HISTORY:  # thin the older half: coarser past, whole run still covered
            half = HISTORY // 2
            transitions[:half] = transitions[:half:2]


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
        self._alerts: deque[tuple[int, str]] = deque(maxlen=64)
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
            actor.add(event.ts_ns, ActorState.RUNNING)
        return actor

    def _set(self, actor: _Actor, state: ActorState, ts: int, obj: str | None = None) -> None:
        if actor.state is ActorState.LOCK and actor.obj is not None:
            self._stop_waiting(actor.name, actor.obj, ts)
        actor.obj = obj
        if state is not actor.state:
            actor.state = state
            actor.add(ts, state)

    def _stop_waiting(self, name: str, lock_name: str, ts: int) -> None:
        """Close a lock wait (acquired, timed out or gave up): its time counts as contention."""
        lock = self._locks.get(lock_name)
        if lock is not None and name in lock.waiters:
            lock.wait_ns += max(0, ts - lock.waiters.pop(name))

    def apply(self, event: Event) -> None:
        """Fold one event in (O(1))."""
        if not self.count:
            self.start_ns = event.ts_ns
        self.count += 1
        self.now_ns = max(self.now_ns, event.ts_ns)
        self.last = event
        kind = event.kind
        if kind is EventKind.MEMORY:
            self._memory.append((event.ts_ns, event.value or 0))
            return
        if kind is EventKind.FINDING:
            self._findings.append(event.detail or "finding")
            self._alerts.append((event.ts_ns, event.detail or "finding"))
            return
        if kind is EventKind.MESSAGE:
            self._actor(event)
            self._messages.append(Message(event.value if event.value is not None else event.ts_ns, event.ts_ns,
                                          event.actor, event.obj or "?", event.detail or "message"))
            return
        if kind is EventKind.MARK:
            return
        actor = self._actor(event)
        ts = event.ts_ns
        if kind in _WAITS:
            state = _WAITS[kind]
            self._set(actor, state, ts, event.obj)
            if state is ActorState.LOCK and event.obj:
                self._locks.setdefault(event.obj, _Lock()).waiters[actor.name] = ts
            return
        if kind in (EventKind.THREAD_END, EventKind.TASK_END):
            self._set(actor, ActorState.DONE, ts)
            return
        if kind is EventKind.LOCK_TIMEOUT:
            pass  # _set below closes the wait: a give-up is not a hold, and not endless contention
        elif kind is EventKind.LOCK_ACQUIRE and event.obj:
            self._set(actor, ActorState.RUNNING, ts)
            lock = self._locks.setdefault(event.obj, _Lock())
            lock.owner = actor.name
            lock.acquisitions += 1
        elif kind is EventKind.LOCK_RELEASE and event.obj:
            lock = self._locks.setdefault(event.obj, _Lock())
            if lock.owner == actor.name:
                lock.owner = None
        elif kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET) and event.obj:
            queue = self._queues.setdefault(event.obj, _Queue())
            queue.depth = event.value or 0
            queue.peak = max(queue.peak, queue.depth)
            queue.history.append(queue.depth)
        self._set(actor, ActorState.RUNNING, ts)

    def copy(self) -> Fold:
        """An independent copy (rewinding starts from a copy of the base fold)."""
        return copy.deepcopy(self)

    def snapshot(self) -> VisSnapshot:
        now = self.now_ns
        return VisSnapshot(
            actors=tuple(
                ActorView(a.name, a.state, a.obj, tuple(a.transitions), a.started_ns) for a in self._actors.values()
            ),
            locks=tuple(
                LockView(name, lock.owner, len(lock.waiters),
                         lock.wait_ns + sum(max(0, now - since) for since in lock.waiters.values()),
                         lock.acquisitions)
                for name, lock in self._locks.items()
            ),
            queues=tuple(
                QueueView(name, q.depth, q.peak, tuple(q.history)) for name, q in self._queues.items()
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

    A live overlay for the visualizer; the grader's deadlock detector is the authority.
    """
    owner = {lock.name: lock.owner for lock in snapshot.locks if lock.owner}
    waits_for = {
        a.name: owner[a.obj]
        for a in snapshot.actors
        if a.state is ActorState.LOCK and a.obj in owner and owner[a.obj] != a.name
    }
    for start in waits_for:
        path, current = [start], waits_for[start]
        while current in waits_for and current not in path:
            path.append(current)
            current = waits_for[current]
        if current == start:
            return tuple(path)
    return ()
