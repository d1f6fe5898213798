"""`learn trace` output: the project's one exporter (:mod:`evaluator.trace`), counted for the summary."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evaluator.events import Event
from evaluator.trace import to_chrome_trace, validate_trace

__all__ = ["to_trace_events", "validate_trace", "write_trace"]


def to_trace_events(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The ``traceEvents`` list for ``events`` (in emission order)."""
    trace_events: list[dict[str, Any]] = to_chrome_trace(events)["traceEvents"]
    return trace_events


def write_trace(
    events: Iterable[Event], path: Path, *, killed: bool = False, title: str = "learner program"
) -> int:
    """Write ``events`` as trace-event JSON to ``path``; returns the number of trace events."""
    trace = to_chrome_trace(events, killed=killed, title=title)
    path.write_text(json.dumps(trace, separators=(",", ":")), encoding="utf-8")
    return len(trace["traceEvents"])
