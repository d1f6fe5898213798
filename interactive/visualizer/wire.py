"""Events on the pipe between the instrumented child and the UI: one JSON array per line."""

from __future__ import annotations

import json
from collections.abc import Iterable

from evaluator.events import Event, EventKind

__all__ = ["decode_batch", "encode_batch"]

_KINDS = {kind.value: kind for kind in EventKind}


def encode_batch(events: Iterable[Event]) -> bytes:
    """A batch of events as one newline-terminated JSON line (compact positional rows)."""
    rows = [
        [e.seq, e.ts_ns, e.kind.value, e.actor, e.actor_id, e.obj, e.value, e.location, e.detail]
        for e in events
    ]
    return json.dumps(rows, separators=(",", ":")).encode() + b"\n"


def decode_batch(line: bytes | str) -> list[Event]:
    """Inverse of :func:`encode_batch`; raises ValueError on a malformed line."""
    rows = json.loads(line)
    if not isinstance(rows, list):
        raise ValueError("an event batch must be a JSON array")
    return [Event(r[0], r[1], _KINDS[r[2]], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]
