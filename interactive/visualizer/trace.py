"""Chrome trace-event JSON (opens in Perfetto / chrome://tracing) from the shared event model.

Each thread/task is a track; lock waits, lock holds, sleeps and blocking waits are complete
("X") spans; queue depths and memory are counters ("C"); findings are global instants ("i").
Uses ``evaluator.trace.write_trace`` when the grader provides it, so there is one exporter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from evaluator.events import Event, EventKind

__all__ = ["to_trace_events", "write_trace"]

PID = 1
_OPENERS = {
    EventKind.LOCK_WAIT: "wait",
    EventKind.QUEUE_WAIT: "wait",
    EventKind.JOIN_WAIT: "join",
    EventKind.EVENT_WAIT: "wait",
    EventKind.SLEEP_START: "sleep",
}


def _us(ts_ns: int, origin: int) -> float:
    return (ts_ns - origin) / 1000


def to_trace_events(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The ``traceEvents`` list for ``events`` (in emission order)."""
    if not events:
        return []
    origin = events[0].ts_ns
    out: list[dict[str, Any]] = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "learner program"}}]
    tids: dict[tuple[int, str], int] = {}
    """Thread idents are reused after a thread ends: each (ident, name) gets its own track."""
    open_wait: dict[int, tuple[str, int, str | None]] = {}
    held: dict[tuple[int, str], int] = {}

    def span(tid: int, name: str, start: int, end: int, cat: str, **args: Any) -> None:
        out.append({"ph": "X", "pid": PID, "tid": tid, "name": name, "cat": cat,
                    "ts": _us(start, origin), "dur": max(0.0, (end - start) / 1000), "args": args})

    def close_wait(tid: int, end: int) -> None:
        if tid in open_wait:
            label, start, obj = open_wait.pop(tid)
            span(tid, f"{label} {obj}" if obj else label, start, end, "blocked", obj=obj)

    for event in events:
        if event.kind is EventKind.MEMORY:
            out.append({"ph": "C", "pid": PID, "name": "memory", "ts": _us(event.ts_ns, origin),
                        "args": {"bytes": event.value or 0}})
            continue
        if event.kind is EventKind.FINDING:
            out.append({"ph": "i", "s": "g", "pid": PID, "tid": 0, "name": event.detail or "finding",
                        "ts": _us(event.ts_ns, origin)})
            continue
        if event.kind is EventKind.MARK:
            continue
        key = (event.actor_id, event.actor)
        tid = tids.get(key, 0)
        if not tid:
            tid = tids[key] = len(tids) + 1
            out.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": event.actor}})
        if event.kind in _OPENERS:
            close_wait(tid, event.ts_ns)
            open_wait[tid] = (_OPENERS[event.kind], event.ts_ns, event.obj)
            continue
        close_wait(tid, event.ts_ns)
        if event.kind is EventKind.LOCK_ACQUIRE and event.obj:
            held[(tid, event.obj)] = event.ts_ns
        elif event.kind is EventKind.LOCK_RELEASE and event.obj and (tid, event.obj) in held:
            span(tid, f"hold {event.obj}", held.pop((tid, event.obj)), event.ts_ns, "lock", obj=event.obj)
        elif event.kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET) and event.obj:
            out.append({"ph": "C", "pid": PID, "name": f"queue {event.obj}", "ts": _us(event.ts_ns, origin),
                        "args": {"depth": event.value or 0}})
        elif event.kind in (EventKind.THREAD_START, EventKind.TASK_START):
            out.append({"ph": "i", "s": "t", "pid": PID, "tid": tid, "name": "start", "ts": _us(event.ts_ns, origin)})
        elif event.kind in (EventKind.THREAD_END, EventKind.TASK_END):
            out.append({"ph": "i", "s": "t", "pid": PID, "tid": tid, "name": "end", "ts": _us(event.ts_ns, origin)})
    end = events[-1].ts_ns
    for tid in list(open_wait):
        close_wait(tid, end)
    for (tid, obj), start in held.items():
        span(tid, f"hold {obj}", start, end, "lock", obj=obj, unreleased=True)
    return out


def write_trace(events: Iterable[Event], path: Path) -> int:
    """Write ``events`` as trace-event JSON to ``path``; returns the number of trace events."""
    events = list(events)
    shared: ModuleType | None
    try:
        from evaluator import trace as shared
    except ImportError:
        shared = None
    if shared is not None and hasattr(shared, "write_trace"):
        shared.write_trace(events, path)
        return len(json.loads(path.read_text(encoding="utf-8")).get("traceEvents", []))
    trace = {"traceEvents": to_trace_events(events), "displayTimeUnit": "ms"}
    path.write_text(json.dumps(trace, separators=(",", ":")), encoding="utf-8")
    return len(trace["traceEvents"])
