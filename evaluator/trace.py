"""Events → Chrome trace-event JSON that Perfetto (and chrome://tracing) draws correctly.

The one exporter of the project (`learn trace`, the visualizer and the grader use it):

* one process (``process_name``), one track per thread/task keyed by its id (a reused ident
  gets a fresh track), named by ``thread_name`` metadata;
* on a thread's track, "X" spans for what blocks it — lock waits (closed when the lock is
  acquired or the wait gives up), queue waits, joins, event/condition waits and sleeps. A thread
  blocks on one thing at a time, so these never overlap;
* lock holds on per-lock tracks (``lock NAME``; a semaphore gets one track per concurrent
  holder), so hand-over-hand locking does not produce crossing spans on a thread's track;
* counters ("C") for queue depths and memory; instants ("i") for findings, marks, thread
  start/end and the deadline kill;
* deadlocks: an instant on each waiter of a wait-for cycle and a flow arrow waiter → holder;
* messages of a simulated world (challenges 9-16): a flow arrow from the sender's slice to the
  receiver's, drops as instants.

Timestamps are microseconds from the first event. :func:`validate_trace` checks the rules
(fields, spans nested per track, flows paired); tests run it over every trace we can write.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.detectors.deadlock import wait_for_cycle
from evaluator.events import Event, EventKind

__all__ = ["to_chrome_trace", "validate_trace", "write_trace"]

PID = 1
_LOCK_TID_BASE = 1 << 40
"""Per-lock tracks get tids far above thread idents and task ids, so they never collide."""
_OPENERS = {
    EventKind.LOCK_WAIT: ("wait", "lock-wait"),
    EventKind.QUEUE_WAIT: ("wait", "queue-wait"),
    EventKind.JOIN_WAIT: ("join", "join-wait"),
    EventKind.EVENT_WAIT: ("wait", "event-wait"),
    EventKind.SLEEP_START: ("sleep", "sleep"),
}


@dataclass
class _Wait:
    name: str
    cat: str
    start: int
    obj: str | None
    location: str | None


@dataclass
class _Hold:
    tid: int
    start: int
    depth: int = 1
    location: str | None = None


@dataclass
class _Exporter:
    """One pass over the events; the state of open spans per track."""

    origin: int
    out: list[dict[str, Any]] = field(default_factory=list)
    tracks: dict[tuple[int, str], int] = field(default_factory=dict)
    used_tids: set[int] = field(default_factory=set)
    waits: dict[int, _Wait] = field(default_factory=dict)
    holds: dict[tuple[str, int], _Hold] = field(default_factory=dict)
    """(lock, thread tid) -> the open hold."""
    lock_slots: dict[str, dict[int, int]] = field(default_factory=dict)
    """lock -> {slot tid: holder tid} for holds open now."""
    lock_tracks: dict[str, list[int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    flows: int = 0

    def us(self, ts: int) -> float:
        return (ts - self.origin) / 1000

    def track(self, event: Event) -> int:
        key = (event.actor_id, event.actor)
        tid = self.tracks.get(key)
        if tid is None:
            tid = (
                event.actor_id if event.actor_id > 0 and event.actor_id not in self.used_tids else 0
            )
            if not tid or tid >= _LOCK_TID_BASE:
                tid = max(self.used_tids | {0}) % _LOCK_TID_BASE + 1
                while tid in self.used_tids:
                    tid += 1
            self.tracks[key] = tid
            self.used_tids.add(tid)
            self.names[tid] = event.actor
            self.out.append(
                {
                    "ph": "M",
                    "pid": PID,
                    "tid": tid,
                    "name": "thread_name",
                    "args": {"name": event.actor},
                }
            )
        return tid

    def track_named(self, name: str) -> int:
        """The track of the actor called ``name`` (a message's receiver), created if needed."""
        for (_, actor), tid in self.tracks.items():
            if actor == name:
                return tid
        return self.track(Event(0, 0, EventKind.MARK, name, zlib.crc32(name.encode()) or 1))

    def message(self, event: Event, source: int) -> None:
        """A message as two zero-length slices joined by a flow arrow, sender → receiver."""
        target = self.track_named(event.obj or "?")
        sent = event.value if event.value is not None else event.ts_ns
        label = event.detail or "message"
        if label.endswith("lost"):
            self.instant(f"dropped: {label}", sent, source)
            return
        self.flows += 1
        self.span(source, f"send {label}", "message", sent, sent, to=event.obj)
        self.span(
            target, f"receive {label}", "message", event.ts_ns, event.ts_ns, **{"from": event.actor}
        )
        self.out.append(
            {
                "ph": "s",
                "pid": PID,
                "tid": source,
                "id": f"m{self.flows}",
                "cat": "message",
                "name": label,
                "ts": self.us(sent),
            }
        )
        self.out.append(
            {
                "ph": "f",
                "bp": "e",
                "pid": PID,
                "tid": target,
                "id": f"m{self.flows}",
                "cat": "message",
                "name": label,
                "ts": self.us(event.ts_ns),
            }
        )

    def span(self, tid: int, name: str, cat: str, start: int, end: int, **args: Any) -> None:
        self.out.append(
            {
                "ph": "X",
                "pid": PID,
                "tid": tid,
                "name": name,
                "cat": cat,
                "ts": self.us(start),
                "dur": max(0.0, (end - start) / 1000),
                "args": {k: v for k, v in args.items() if v is not None},
            }
        )

    def instant(self, name: str, ts: int, tid: int | None = None, **args: Any) -> None:
        event: dict[str, Any] = {
            "ph": "i",
            "pid": PID,
            "name": name,
            "ts": self.us(ts),
            "s": "t" if tid else "g",
        }
        if tid:
            event["tid"] = tid
        if args:
            event["args"] = args
        self.out.append(event)

    def close_wait(self, tid: int, end: int, outcome: str | None = None) -> None:
        wait = self.waits.pop(tid, None)
        if wait is None:
            return
        label = f"{wait.name} {wait.obj}" if wait.obj else wait.name
        if outcome:
            label += f" ({outcome})"
        self.span(tid, label, wait.cat, wait.start, end, obj=wait.obj, location=wait.location)

    def lock_track(self, lock: str, holder: int) -> int:
        """A free track of ``lock`` for a new hold (slot 0 for a mutex; more for a semaphore)."""
        slots = self.lock_slots.setdefault(lock, {})
        tracks = self.lock_tracks.setdefault(lock, [])
        for tid in tracks:
            if tid not in slots:
                slots[tid] = holder
                return tid
        tid = _LOCK_TID_BASE + sum(len(t) for t in self.lock_tracks.values()) + 1
        tracks.append(tid)
        slots[tid] = holder
        name = f"lock {lock}" if len(tracks) == 1 else f"lock {lock} #{len(tracks)}"
        self.out.append(
            {"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}}
        )
        self.out.append(
            {
                "ph": "M",
                "pid": PID,
                "tid": tid,
                "name": "thread_sort_index",
                "args": {"sort_index": 1_000_000 + len(self.lock_tracks)},
            }
        )
        return tid

    def acquire(self, lock: str, tid: int, ts: int, location: str | None) -> None:
        hold = self.holds.get((lock, tid))
        if (
            hold is not None
        ):  # re-entrant (RLock): one span from the outer acquire to the outer release
            hold.depth += 1
            return
        self.holds[(lock, tid)] = _Hold(self.lock_track(lock, tid), ts, location=location)

    def release(self, lock: str, tid: int, ts: int, *, unreleased: bool = False) -> None:
        hold = self.holds.get((lock, tid))
        if hold is None:
            return
        hold.depth -= 1
        if hold.depth > 0 and not unreleased:
            return
        del self.holds[(lock, tid)]
        self.lock_slots[lock].pop(hold.tid, None)
        self.span(
            hold.tid,
            f"held by {self.names.get(tid, tid)}",
            "lock-hold",
            hold.start,
            ts,
            lock=lock,
            holder=self.names.get(tid),
            location=hold.location,
            unreleased=True if unreleased else None,
        )

    def apply(self, event: Event) -> None:
        kind, ts = event.kind, event.ts_ns
        if kind is EventKind.MEMORY:
            self.out.append(
                {
                    "ph": "C",
                    "pid": PID,
                    "name": "memory",
                    "ts": self.us(ts),
                    "args": {"bytes": event.value or 0},
                }
            )
            return
        if kind is EventKind.FINDING:
            self.instant(event.detail or "finding", ts)
            return
        if kind is EventKind.MARK:
            if event.detail:
                self.instant(event.detail, ts)
            return
        tid = self.track(event)
        if kind is EventKind.MESSAGE:
            self.message(event, tid)
            return
        if kind in _OPENERS:
            self.close_wait(tid, ts)
            name, cat = _OPENERS[kind]
            self.waits[tid] = _Wait(name, cat, ts, event.obj, event.location)
            return
        if kind is EventKind.LOCK_TIMEOUT:
            self.close_wait(tid, ts, "gave up")
            return
        if kind is not EventKind.SLEEP_END or tid in self.waits:
            self.close_wait(tid, ts)
        obj = event.obj
        if kind is EventKind.LOCK_ACQUIRE and obj:
            self.acquire(obj, tid, ts, event.location)
        elif kind is EventKind.LOCK_RELEASE and obj:
            self.release(obj, tid, ts)
        elif kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET) and obj:
            self.out.append(
                {
                    "ph": "C",
                    "pid": PID,
                    "name": f"queue {obj}",
                    "ts": self.us(ts),
                    "args": {"depth": event.value or 0},
                }
            )
        elif kind in (EventKind.THREAD_START, EventKind.TASK_START):
            self.instant("start", ts, tid)
        elif kind in (EventKind.THREAD_END, EventKind.TASK_END):
            self.instant("end", ts, tid)

    def deadlock(self, end: int) -> None:
        """Wait-for cycle among the waits still open at the end: instants and arrows waiter → holder."""
        owner: dict[str, int] = {lock: holder for (lock, holder) in self.holds}
        waits_for = {
            tid: owner[w.obj]
            for tid, w in self.waits.items()
            if w.cat == "lock-wait" and w.obj in owner and owner[w.obj] != tid
        }
        for flow_id, waiter in enumerate(wait_for_cycle(waits_for), start=1):
            wait = self.waits[waiter]
            assert wait.obj is not None
            holder = waits_for[waiter]
            hold = self.holds[(wait.obj, holder)]
            at = max(wait.start, hold.start)
            self.instant(
                f"deadlock: waits for {wait.obj} held by {self.names.get(holder)}", at, waiter
            )
            self.out.append(
                {
                    "ph": "s",
                    "pid": PID,
                    "tid": waiter,
                    "id": flow_id,
                    "cat": "deadlock",
                    "name": "waits for",
                    "ts": self.us(at),
                }
            )
            self.out.append(
                {
                    "ph": "f",
                    "bp": "e",
                    "pid": PID,
                    "tid": hold.tid,
                    "id": flow_id,
                    "cat": "deadlock",
                    "name": "waits for",
                    "ts": self.us(at),
                }
            )

    def finish(self, end: int) -> None:
        self.deadlock(end)
        for tid in list(self.waits):
            self.close_wait(tid, end, "still waiting at the end")
        for lock, tid in list(self.holds):
            self.release(lock, tid, end, unreleased=True)


def to_chrome_trace(
    events: Iterable[Event], *, killed: bool = False, title: str = "learner program"
) -> dict[str, Any]:
    """The trace as a JSON-ready dict (``{"traceEvents": [...], "displayTimeUnit": "ms"}``).

    ``killed``: the run was stopped at its deadline (marked with a global instant at the end).
    """
    events = list(events)
    if not events:
        return {"traceEvents": [], "displayTimeUnit": "ms"}
    exporter = _Exporter(origin=events[0].ts_ns)
    exporter.out.append({"ph": "M", "pid": PID, "name": "process_name", "args": {"name": title}})
    for event in events:
        exporter.apply(event)
    end = max(e.ts_ns for e in events)
    exporter.finish(end)
    if killed:
        exporter.instant("killed at the deadline (a hang or a deadlock?)", end)
    return {"traceEvents": exporter.out, "displayTimeUnit": "ms"}


def write_trace(
    events: Iterable[Event],
    path: Path | str,
    *,
    killed: bool = False,
    title: str = "learner program",
) -> Path:
    """Write the Chrome trace JSON for ``events`` to ``path`` and return the path."""
    target = Path(path)
    trace = to_chrome_trace(events, killed=killed, title=title)
    target.write_text(json.dumps(trace, separators=(",", ":")), encoding="utf-8")
    return target


_REQUIRED = {
    "X": ("name", "ts", "dur", "pid", "tid"),
    "B": ("name", "ts", "pid", "tid"),
    "E": ("ts", "pid", "tid"),
    "i": ("name", "ts", "pid", "s"),
    "C": ("name", "ts", "pid", "args"),
    "M": ("name", "pid", "args"),
    "s": ("name", "ts", "pid", "tid", "id"),
    "f": ("name", "ts", "pid", "tid", "id"),
}


def validate_trace(trace: dict[str, Any]) -> list[str]:
    """Problems that make Perfetto draw a trace wrongly; ``[]`` when there are none.

    Checks required fields per phase, non-negative times, thread instants with a tid, metadata
    naming, spans ("X" and B/E) properly nested on every (pid, tid) track, and flows paired.
    """
    problems: list[str] = []
    events = trace.get("traceEvents")
    if not isinstance(events, list):
        return ["traceEvents must be a list"]
    spans: dict[tuple[Any, Any], list[tuple[float, float, str]]] = {}
    flows: dict[Any, set[str]] = {}
    for index, event in enumerate(events):
        ph = event.get("ph")
        required = _REQUIRED.get(ph)
        if required is None:
            problems.append(f"#{index}: unknown phase {ph!r}")
            continue
        missing = [key for key in required if key not in event]
        if missing:
            problems.append(f"#{index} ({ph} {event.get('name')}): missing {', '.join(missing)}")
            continue
        if ph != "M" and (not isinstance(event["ts"], int | float) or event["ts"] < 0):
            problems.append(f"#{index}: ts must be a number >= 0")
        if (
            ph == "M"
            and event["name"] in ("thread_name", "process_name")
            and not event["args"].get("name")
        ):
            problems.append(f"#{index}: {event['name']} without args.name")
        if ph == "i" and event["s"] == "t" and "tid" not in event:
            problems.append(f"#{index}: a thread instant needs a tid")
        if ph == "X":
            if event["dur"] < 0:
                problems.append(f"#{index}: negative dur")
            spans.setdefault((event["pid"], event["tid"]), []).append(
                (float(event["ts"]), float(event["ts"]) + float(event["dur"]), str(event["name"]))
            )
        if ph in ("s", "f"):
            flows.setdefault(event["id"], set()).add(ph)
    begins: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for event in events:
        if event.get("ph") == "B":
            begins.setdefault((event["pid"], event["tid"]), []).append(event)
        elif event.get("ph") == "E":
            stack = begins.get((event["pid"], event["tid"]))
            if not stack:
                problems.append(f"E without B on track {event['tid']}")
            else:
                began = stack.pop()
                spans.setdefault((event["pid"], event["tid"]), []).append(
                    (float(began["ts"]), float(event["ts"]), str(began.get("name")))
                )
    problems += [
        f"B {e.get('name')} never ended on track {track[1]}"
        for track, stack in begins.items()
        for e in stack
    ]
    for (_, tid), track in spans.items():
        problems += _nesting(tid, track)
    problems += [
        f"flow {flow_id} is not a start/finish pair"
        for flow_id, phases in flows.items()
        if phases != {"s", "f"}
    ]
    return problems


def _nesting(tid: Any, track: list[tuple[float, float, str]]) -> list[str]:
    """Spans on one track must nest: each either inside the enclosing one or after it."""
    problems: list[str] = []
    open_spans: list[tuple[float, float, str]] = []
    epsilon = 1e-6
    for start, end, name in sorted(track, key=lambda span: (span[0], -span[1])):
        while open_spans and open_spans[-1][1] <= start + epsilon:
            open_spans.pop()
        if open_spans and end > open_spans[-1][1] + epsilon:
            outer = open_spans[-1]
            problems.append(
                f"track {tid}: '{name}' [{start}, {end}] crosses '{outer[2]}' [{outer[0]}, {outer[1]}]"
            )
        open_spans.append((start, end, name))
    return problems
