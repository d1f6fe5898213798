"""Challenges 9-16 in the visualizer: the simulated world as a space-time diagram and a trace."""

from __future__ import annotations

from functools import cache
from types import ModuleType

import pytest

from challenges import get_challenge
from evaluator.events import Event, EventKind
from evaluator.loader import load_program
from evaluator.state import Fold
from evaluator.trace import to_chrome_trace, validate_trace
from interactive.visualizer.sim import is_simulated, simulate, world_events
from interactive.widgets.spacetime import diagram, window


def _program(number: int) -> ModuleType:
    return load_program(get_challenge(number).program_path, name=f"sim_program_{number}")


@cache
def _events(number: int) -> tuple[Event, ...]:
    challenge = get_challenge(number)
    world, problem, seed = simulate(challenge.spec, _program(number), 1)
    assert problem is not None  # the shipped program is broken: a seed shows it
    return tuple(world_events(world, problem, seed))


def test_only_the_simulated_challenges_are_simulated() -> None:
    assert [n for n in range(1, 17) if is_simulated(get_challenge(n).spec)] == list(range(9, 17))


def test_challenge_9_world_has_lanes_messages_pauses_and_the_violation() -> None:
    events = _events(9)
    assert [e.ts_ns for e in events] == sorted(e.ts_ns for e in events)  # virtual-time order
    fold = Fold()
    for event in events:
        fold.apply(event)
    snap = fold.snapshot()
    names = {a.name for a in snap.actors}
    assert {"scheduler-1", "scheduler-2", "scheduler-3", "locks", "storage"} <= names
    assert len(snap.messages) > 50 and any(
        m.label.startswith("acquire") or "request" in m.label for m in snap.messages
    )
    assert any(e.kind is EventKind.SLEEP_START and e.detail == "paused" for e in events)
    ((at, text),) = snap.alerts
    assert text.startswith("VIOLATION at t=") and "stale lock holder" in text
    for zoom in (1, 8, 64):
        rows = diagram(snap, 100, zoom)
        assert all(row.cell_len == 100 for row in rows)
        plain = "\n".join(row.plain for row in rows)
        assert "!" in plain and "VIOLATION" in plain
        low, high = window(snap, zoom)
        assert low <= at <= high


@pytest.mark.parametrize("number", range(9, 17))
def test_every_simulated_challenge_trace_is_valid_with_message_arrows(number: int) -> None:
    trace = to_chrome_trace(_events(number), title=f"challenge {number}")
    assert validate_trace(trace) == []
    phases = [e["ph"] for e in trace["traceEvents"]]
    assert phases.count("s") == phases.count("f") > 0
    assert any(e["ph"] == "i" and e["name"].startswith("VIOLATION") for e in trace["traceEvents"])
