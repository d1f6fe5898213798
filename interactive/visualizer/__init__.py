"""The live visualizer's core (no Textual): run instrumented, fold events, export traces."""

from __future__ import annotations

from evaluator.state import (
    ActorState,
    ActorView,
    Fold,
    LockView,
    QueueView,
    VisSnapshot,
)
from interactive.visualizer.runner import LiveRun, Target, run_to_completion
from interactive.visualizer.trace import to_trace_events, write_trace

__all__ = [
    "ActorState",
    "ActorView",
    "Fold",
    "LiveRun",
    "LockView",
    "QueueView",
    "Target",
    "VisSnapshot",
    "run_to_completion",
    "to_trace_events",
    "write_trace",
]
