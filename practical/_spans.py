"""Finished OpenTelemetry spans, read back: grouped into traces and drawn as a tree with durations.

The tracing module exports its spans to memory (the SDK's ``InMemorySpanExporter``); this is
how a learner sees them without a tracing backend: one line per span, indented under its parent,
with its service, its start offset from the trace's first span and its duration. The hops between
services also go to the project's Chrome/Perfetto trace format (``evaluator.trace``): one track
per service and one arrow per message, from the sender span's end to the receiver span's start.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["draw_trace", "hop_waits", "orphans", "traces", "write_hops"]


def traces(spans: Iterable[Any]) -> dict[int, list[Any]]:
    """Spans by trace id, each trace's spans in start order."""
    grouped: dict[int, list[Any]] = {}
    for span in spans:
        grouped.setdefault(span.context.trace_id, []).append(span)
    for members in grouped.values():
        members.sort(key=lambda s: s.start_time)
    return grouped


def orphans(spans: Iterable[Any], names: Sequence[str]) -> list[Any]:
    """Spans called one of ``names`` that started a trace of their own (no parent)."""
    return [s for s in spans if s.name in names and s.parent is None]


def _service(span: Any) -> str:
    return str(span.resource.attributes.get("service.name", "?"))


def draw_trace(spans: Sequence[Any]) -> list[str]:
    """One trace as text lines: a tree by parent span id, with offsets and durations in ms.

    A span whose parent is not in ``spans`` (it is in another trace, or was never exported) is
    drawn as a root: that is exactly what a tracing backend shows for a broken propagation.
    """
    if not spans:
        return []
    origin = min(s.start_time for s in spans)
    ids = {s.context.span_id for s in spans}
    children: dict[int | None, list[Any]] = {}
    for span in spans:
        parent = (
            span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        )
        children.setdefault(parent, []).append(span)
    total = (max(s.end_time for s in spans) - origin) / 1e6
    lines = [f"trace {spans[0].context.trace_id:032x} — {len(spans)} spans, {total:.1f} ms"]

    def walk(parent: int | None, indent: str) -> None:
        members = sorted(children.get(parent, []), key=lambda s: s.start_time)
        for index, span in enumerate(members):
            last = index == len(members) - 1
            start, took = (span.start_time - origin) / 1e6, (span.end_time - span.start_time) / 1e6
            lines.append(
                f"{indent}{'└─' if last else '├─'} {span.name} ({_service(span)}) "
                f"at +{start:.1f} ms, {took:.1f} ms"
            )
            walk(span.context.span_id, indent + ("   " if last else "│  "))

    walk(None, "")
    return lines


def hop_waits(spans: Iterable[Any], sender: str, receiver: str) -> list[float]:
    """Seconds between the end of each ``sender`` span and the start of its ``receiver`` child.

    Only a joined trace can answer "how long did the message wait between these two?": the
    receiver span must name the sender span as its parent.
    """
    ends = {s.context.span_id: s.end_time for s in spans if s.name == sender}
    return [
        (s.start_time - ends[s.parent.span_id]) / 1e9
        for s in spans
        if s.name == receiver and s.parent is not None and s.parent.span_id in ends
    ]


def write_hops(
    spans: Sequence[Any], hops: Sequence[tuple[str, str]], path: Path, title: str
) -> int:
    """Write each joined hop ``(sender span, receiver span)`` as a message arrow; returns the arrows.

    A receiver span is joined to its sender only through its parent id, so a hop whose context was
    not propagated has no arrow: the trace shows the services, not the link between them.
    """
    from evaluator.events import Event, EventKind
    from evaluator.trace import write_trace

    if not spans:
        return 0

    def track(span: Any) -> tuple[str, int]:
        name = _service(span)  # the id the exporter gives a track it first meets as a receiver
        return name, zlib.crc32(name.encode()) or 1

    first = min(spans, key=lambda s: s.start_time)
    events = [
        Event(
            0, first.start_time, EventKind.MARK, *track(first), detail=f"first span: {first.name}"
        )
    ]
    for sender_name, receiver_name in hops:
        senders = {s.context.span_id: s for s in spans if s.name == sender_name}
        for receiver in spans:
            sender = (
                senders.get(receiver.parent.span_id)
                if receiver.name == receiver_name and receiver.parent
                else None
            )
            if sender is None:
                continue
            actor, actor_id = track(sender)
            message_id = receiver.attributes.get("messaging.message.id") or sender.attributes.get(
                "messaging.message.id"
            )
            label = f"{sender_name} → {receiver_name}" + (f" ({message_id})" if message_id else "")
            events.append(
                Event(
                    0,
                    receiver.start_time,
                    EventKind.MESSAGE,
                    actor,
                    actor_id,
                    obj=track(receiver)[0],
                    value=sender.end_time,
                    detail=label,
                )
            )
    events.sort(key=lambda e: e.ts_ns)
    numbered = [
        Event(n, e.ts_ns, e.kind, e.actor, e.actor_id, e.obj, e.value, e.location, e.detail)
        for n, e in enumerate(events)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_trace(numbered, path, title=title)
    return len(numbered) - 1
