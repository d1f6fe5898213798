"""Challenges 9-16 for the visualizer: a simulated world's history as events on its virtual clock.

The grader checks these challenges in a seeded simulated world (:mod:`simworld`), not
with threads. This module runs the challenge's first simulated scenario like ``learn run`` does
(the first of a few seeds that breaks a property, else the given seed) and turns the world's
recorded history into visualizer events: a lane per node and service, messages as
:attr:`EventKind.MESSAGE` (request and reply, duplicates, drops), GC pauses as sleeps, crashes
and restarts, every timeline line as a mark, and the grader's violation as a finding at its
virtual time. Only the sim's public history API is read (``entries``, ``operations``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from evaluator.events import Event, EventKind

__all__ = ["SEARCH", "is_simulated", "simulate", "world_events"]

SEARCH = 10
"""Seeds tried (from the run's seed on) to find one that shows the bug."""
MS = 1_000_000
_PAUSE = re.compile(r"pause (\S+) for (\d+)ms")
_CRASH = re.compile(r"crash (\S+)")
_RESTART = re.compile(r"restart (\S+)")


def is_simulated(spec: Any) -> bool:
    """Whether a challenge is graded in the simulated world (it has a SimCheck)."""
    from simworld.check import SimCheck

    return any(isinstance(check, SimCheck) for check in spec.checks)


def simulate(spec: Any, program: ModuleType, seed: int) -> tuple[Any, BaseException | None, int]:
    """Run the first simulated scenario: (world, the broken property or None, the seed shown)."""
    from simworld.check import SimCheck, run_scenario

    check = next(c for c in spec.checks if isinstance(c, SimCheck))
    for candidate in range(seed, seed + SEARCH):
        world, problem = run_scenario(check.scenario, program, candidate)
        if problem is not None:
            return world, problem, candidate
    world, problem = run_scenario(check.scenario, program, seed)
    return world, problem, seed


def _id(name: str) -> int:
    return zlib.crc32(name.encode()) or 1


def world_events(world: Any, problem: BaseException | None, seed: int) -> list[Event]:
    """The world's history as events in virtual-time order (ties: history order)."""
    raw: list[tuple[int, int, EventKind, str, str | None, int | None, str | None]] = []
    order = iter(range(10**9))

    def add(
        ms: float,
        kind: EventKind,
        actor: str,
        obj: str | None = None,
        value: int | None = None,
        detail: str | None = None,
    ) -> None:
        raw.append((int(ms * MS), next(order), kind, actor, obj, value, detail))

    actors = list(world.nodes)
    for op in world.history.operations:
        service = op.name.split(".", 1)[0]
        if service not in actors:
            actors.append(service)
    for name in actors:
        add(0, EventKind.THREAD_START, name)
    add(0, EventKind.MARK, "world", detail=f"simulated world, fault seed {seed}")
    for entry in world.history.entries:
        add(
            entry.time,
            EventKind.MARK,
            entry.actor,
            detail=f"t={entry.time}ms {entry.actor}: {entry.text}",
        )
        if entry.kind != "nemesis":
            continue
        if match := _PAUSE.match(entry.text):
            add(entry.time, EventKind.SLEEP_START, match[1], detail="paused")
            add(entry.time + int(match[2]), EventKind.SLEEP_END, match[1])
        elif match := _RESTART.match(entry.text):
            add(entry.time, EventKind.THREAD_START, match[1], detail="restarted")
        elif match := _CRASH.match(entry.text):
            add(entry.time, EventKind.THREAD_END, match[1], detail="crashed")
    raw += list(_messages(world, order))
    if problem is not None:
        at = getattr(problem, "at", None)
        add(
            world.now if at is None else at,
            EventKind.FINDING,
            "grader",
            detail=f"VIOLATION at t={world.now if at is None else at}ms: {problem}",
        )
    raw.sort(key=lambda row: (row[0], row[1]))
    return [
        Event(seq, ts, kind, actor, _id(actor), obj, value, None, detail)
        for seq, (ts, _, kind, actor, obj, value, detail) in enumerate(raw)
    ]


def _messages(
    world: Any, order: Iterator[int]
) -> Iterator[tuple[int, int, EventKind, str, str | None, int | None, str | None]]:
    """Requests (one per delivery: duplicates too), replies, and drops, from the operations."""
    for op in world.history.operations:
        service, name = op.name.split(".", 1) if "." in op.name else (op.name, op.name)
        sent = int(op.invoke * MS)
        applied = op.meta.get("applied", [])
        for index, arrived in enumerate(applied):
            label = f"{name} request" + (" (duplicate)" if index else "")
            yield (
                int(arrived * MS),
                next(order),
                EventKind.MESSAGE,
                op.process,
                service,
                sent,
                label,
            )
        if not applied:
            yield (
                sent,
                next(order),
                EventKind.MESSAGE,
                op.process,
                service,
                sent,
                f"{name} request lost",
            )
        elif op.complete != float("inf"):
            result = (
                op.result if not isinstance(op.result, BaseException) else type(op.result).__name__
            )
            yield (
                int(op.complete * MS),
                next(order),
                EventKind.MESSAGE,
                service,
                op.process,
                int(applied[0] * MS),
                f"{name} reply {str(result)[:40]}",
            )
