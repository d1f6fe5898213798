"""Events → Chrome trace-event JSON (opens in Perfetto / chrome://tracing).

One row (tid) per thread, named by ``thread_name`` metadata; "X" complete spans for lock waits,
lock holds, queue waits and sleeps; "C" counters for queue depth and memory; "i" instants for
findings and marks. Timestamps are microseconds from the first event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evaluator.events import Event, EventKind

__all__ = ["to_chrome_trace", "write_trace"]

_PID = 1


def to_chrome_trace(events: Iterable[Event]) -> dict[str, Any]:
    """The trace as a JSON-ready dict (``{"traceEvents": [...], "displayTimeUnit": "ms"}``)."""
    events = list(events)
    out: list[dict[str, Any]] = []
    if not events:
        return {"traceEvents": out, "displayTimeUnit": "ms"}
    t0 = events[0].ts_ns
    tids: dict[str, int] = {}
    open_spans: dict[tuple[str, str, str], tuple[int, str | None]] = {}

    def us(ts: int) -> float:
        return (ts - t0) / 1000

    def tid(actor: str) -> int:
        if actor not in tids:
            tids[actor] = len(tids) + 1
            out.append({"ph": "M", "name": "thread_name", "pid": _PID, "tid": tids[actor], "args": {"name": actor}})
        return tids[actor]

    def begin(actor: str, name: str, cat: str, ts: int, where: str | None) -> None:
        open_spans[(actor, name, cat)] = (ts, where)

    def end(actor: str, name: str, cat: str, ts: int) -> None:
        started = open_spans.pop((actor, name, cat), None)
        if started is None:
            return
        args = {"location": started[1]} if started[1] else {}
        out.append({"ph": "X", "name": name, "cat": cat, "pid": _PID, "tid": tid(actor),
                    "ts": us(started[0]), "dur": max(0.0, us(ts) - us(started[0])), "args": args})

    for ev in events:
        t = tid(ev.actor)
        obj = ev.obj or "?"
        if ev.kind is EventKind.LOCK_WAIT:
            begin(ev.actor, f"wait {obj}", "lock-wait", ev.ts_ns, ev.location)
        elif ev.kind is EventKind.LOCK_ACQUIRE:
            end(ev.actor, f"wait {obj}", "lock-wait", ev.ts_ns)
            begin(ev.actor, f"hold {obj}", "lock-hold", ev.ts_ns, ev.location)
        elif ev.kind is EventKind.LOCK_RELEASE:
            end(ev.actor, f"hold {obj}", "lock-hold", ev.ts_ns)
        elif ev.kind is EventKind.SLEEP_START:
            begin(ev.actor, "sleep", "sleep", ev.ts_ns, ev.location)
        elif ev.kind is EventKind.SLEEP_END:
            end(ev.actor, "sleep", "sleep", ev.ts_ns)
        elif ev.kind is EventKind.QUEUE_WAIT:
            begin(ev.actor, f"wait {obj}", "queue-wait", ev.ts_ns, ev.location)
        elif ev.kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET):
            end(ev.actor, f"wait {obj}", "queue-wait", ev.ts_ns)
            out.append({"ph": "C", "name": f"depth {obj}", "pid": _PID, "tid": t, "ts": us(ev.ts_ns),
                        "args": {"depth": ev.value or 0}})
        elif ev.kind is EventKind.MEMORY:
            out.append({"ph": "C", "name": "memory", "pid": _PID, "ts": us(ev.ts_ns), "args": {"bytes": ev.value or 0}})
        elif ev.kind in (EventKind.THREAD_START, EventKind.TASK_START):
            begin(ev.actor, "alive", "thread", ev.ts_ns, ev.location)
        elif ev.kind in (EventKind.THREAD_END, EventKind.TASK_END):
            end(ev.actor, "alive", "thread", ev.ts_ns)
        elif ev.kind in (EventKind.FINDING, EventKind.MARK, EventKind.JOIN_WAIT, EventKind.EVENT_WAIT):
            out.append({"ph": "i", "s": "t", "name": ev.detail or f"{ev.kind.value} {obj}", "pid": _PID, "tid": t,
                        "ts": us(ev.ts_ns)})
    last = events[-1].ts_ns
    for actor, name, cat in list(open_spans):
        end(actor, name, cat, last)
    return {"traceEvents": out, "displayTimeUnit": "ms"}


def write_trace(events: Iterable[Event], path: Path | str) -> Path:
    """Write the Chrome trace JSON for ``events`` to ``path`` and return the path."""
    target = Path(path)
    target.write_text(json.dumps(to_chrome_trace(events)), encoding="utf-8")
    return target
