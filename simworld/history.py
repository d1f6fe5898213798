"""The recorded history of a run: who did what, when, and which fault was injected.

Two views of one run:

* :attr:`History.entries` — readable lines (``t= 120ms  client-1  acquire -> token 3``),
  printed as a timeline for learners (:meth:`History.timeline`).
* :attr:`History.operations` — client operations with invoke and complete times, the input of
  the linearizability checker (:mod:`simworld.linearizability`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from simworld.world import World

__all__ = ["UNKNOWN", "Entry", "History", "Operation"]

UNKNOWN: Any = "<unknown>"
"""Result of an operation whose outcome the client never learned (timeout, crash)."""


class Entry(NamedTuple):
    """One line of the timeline (a named tuple: the busiest object of a run)."""

    time: int
    actor: str
    text: str
    kind: str = "note"
    """``op``, ``note``, ``net``, ``nemesis``, ``error`` or ``check``."""


@dataclass
class Operation:
    """One client operation as the client saw it: [invoke, complete] and its result."""

    id: int
    process: str
    name: str
    args: tuple[Any, ...]
    invoke: int
    complete: float = float("inf")
    """Virtual ms when the result came back; infinity while pending or if it never did."""
    result: Any = UNKNOWN
    meta: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        args = ", ".join(repr(a) for a in self.args)
        end = "?" if self.complete == float("inf") else f"{int(self.complete)}ms"
        return f"{self.process} {self.name}({args}) -> {self.result!r}  [{self.invoke}ms..{end}]"


class History:
    """Append-only record of one run (see module docstring)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.entries: list[Entry] = []
        self.operations: list[Operation] = []

    def add(self, actor: str, text: str, kind: str = "note") -> None:
        """Record a timeline line at the current virtual time."""
        self.entries.append(Entry(self._world.now, actor, text, kind))

    def invoke(self, process: str, name: str, *args: Any, **meta: Any) -> Operation:
        """Start a client operation; call :meth:`complete` when its result is known."""
        op = Operation(len(self.operations), process, name, args, self._world.now, meta=dict(meta))
        self.operations.append(op)
        return op

    def complete(self, op: Operation, result: Any) -> None:
        op.complete, op.result = self._world.now, result

    def timeline(
        self,
        around: int | None = None,
        before: int = 30,
        after: int = 6,
        actors: set[str] | None = None,
    ) -> list[str]:
        """Readable lines; with ``around``, only the lines near that virtual time."""
        entries = [
            e
            for e in self.entries
            if actors is None or e.actor in actors or e.kind in ("nemesis", "check")
        ]
        if around is not None and entries:
            last = max((i for i, e in enumerate(entries) if e.time <= around), default=0)
            entries = entries[max(0, last - before + 1) : last + 1 + after]
        return [format_entry(e) for e in entries]

    def evidence(
        self,
        at: int,
        mentions: str = "",
        before: int = 10,
        after: int = 3,
        faults: int = 5,
        whole: str = "learn run challenge N --seed SEED",
    ) -> list[str]:
        """The timeline centred on ``at``: the faults that came earlier and concern the actors
        named in ``mentions`` (or the network), then the lines just before and after ``at``."""
        entries = self.entries
        last = max((i for i, e in enumerate(entries) if e.time <= at), default=-1)
        first = max(0, last - before + 1)
        window = entries[first : last + 1 + after]
        actors = {e.actor for e in entries if e.actor and e.actor in mentions}
        earlier = [e for e in entries[:first] if e.kind == "nemesis"]
        related = [e for e in earlier if any(a in e.text for a in actors) or "network" in e.text]
        chosen = (related or earlier)[-faults:]
        lines: list[str] = []
        if chosen:
            lines.append("earlier faults that may have caused it:")
            lines.extend(format_entry(e) for e in chosen)
            lines.append("...")
        lines.extend(format_entry(e) for e in window)
        if last + 1 + after < len(entries):
            lines.append(
                f"... ({len(entries) - last - 1 - after} later lines; the whole timeline: {whole})"
            )
        return lines


def format_entry(entry: Entry) -> str:
    """``t=  120ms  client-1    acquire -> token 3`` (faults are shouted: ``NEMESIS``)."""
    actor = {"nemesis": "NEMESIS", "net": "NET", "check": ">>> CHECK"}.get(entry.kind, entry.actor)
    return f"t={entry.time:>6}ms  {actor:<12} {entry.text}"
