"""Deadlocks in words: the wait-for cycle when every thread is blocked, and lock-order inversions.

The scheduler fills a :class:`DeadlockSnapshot` (who waits for what, who holds what) when no
thread can run, and collects :class:`LockEdge` s ("acquired B while holding A") in every run —
the lockdep idea: an AB/BA inversion is a deadlock waiting for the right schedule, even in a
run that finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from evaluator.callsite import CallSite, text
from evaluator.findings import Finding, FindingKind, Severity

K = TypeVar("K")

__all__ = [
    "BlockedThread",
    "DeadlockSnapshot",
    "LockEdge",
    "deadlock_finding",
    "find_inversions",
    "inversion_evidence",
    "lock_order_finding",
    "wait_for_cycle",
]


def wait_for_cycle(waits_for: Mapping[K, K]) -> list[K]:
    """The first cycle of a wait-for graph (each waiter → the one it waits for), or [].

    The one rule of every deadlock view (the detector, the trace's arrows, the visualizer's
    overlay): follow the chain from each waiter in order; the first chain that comes back to a
    node it passed is a cycle, listed from the node where the chain entered it.
    """
    for start in waits_for:
        path: list[K] = []
        seen: set[K] = set()
        node: K | None = start
        while node is not None and node not in seen:
            seen.add(node)
            path.append(node)
            node = waits_for.get(node)
        if node is not None:
            return path[path.index(node) :]
    return []


@dataclass(frozen=True)
class BlockedThread:
    name: str
    desc: str
    """What kind of wait: lock, wait, join, sleep..."""
    waits_for: str
    wait_location: CallSite | str | None
    owner: str | None
    """The thread holding what this one waits for (locks, joins), when known."""
    holds: tuple[tuple[str, CallSite | str | None], ...]
    """(lock, where acquired) pairs."""


@dataclass(frozen=True)
class DeadlockSnapshot:
    threads: tuple[BlockedThread, ...]

    def cycle(self) -> list[BlockedThread]:
        """The wait-for cycle (thread → holder of what it waits for), or [] if there is none."""
        by_name = {t.name: t for t in self.threads}
        waits_for = {t.name: t.owner for t in self.threads if t.owner in by_name}
        return [by_name[name] for name in wait_for_cycle(waits_for)]


@dataclass(frozen=True)
class LockEdge:
    """``thread`` acquired ``acquired`` (at ``where``) while holding ``held`` (taken at ``held_where``)."""

    held: str
    acquired: str
    thread: str
    held_where: CallSite | str | None
    where: CallSite | str | None


def _at(location: CallSite | str | None) -> str:
    return f" at {location}" if location else ""


def cycle_sentence(cycle: list[BlockedThread]) -> str:
    """'A holds Lock x (acquired at p.py:12) and waits for Lock y at p.py:14, held by B, which waits for Lock x at p.py:20'."""
    first, last = cycle[0], cycle[-1]
    held_where = next((where for lock, where in first.holds if lock == last.waits_for), None)
    acquired = f" (acquired{_at(held_where)})" if held_where else ""
    text = f"{first.name} holds {last.waits_for}{acquired} and waits for {first.waits_for}{_at(first.wait_location)}"
    for thread in cycle[1:]:
        text += f", held by {thread.name}, which waits for {thread.waits_for}{_at(thread.wait_location)}"
    if len(cycle) > 1:
        text += f", held by {first.name}"
    return text


def deadlock_finding(
    snapshot: DeadlockSnapshot,
    *,
    check: str = "",
    seed: int | None = None,
    hint: str = "",
    inversions: Iterable[str] = (),
    data: dict[str, Any] | None = None,
) -> Finding:
    """A DEADLOCK finding naming the cycle, or every blocked thread when there is no lock cycle."""
    cycle = snapshot.cycle()
    evidence: list[str] = []
    if cycle:
        names = (
            " and ".join(t.name for t in cycle)
            if len(cycle) == 2
            else ", ".join(t.name for t in cycle)
        )
        title = f"Deadlock: {names} wait for each other forever"
        evidence.append(cycle_sentence(cycle))
        others = [t for t in snapshot.threads if t not in cycle]
    else:
        title = "Deadlock: every thread is blocked and nothing can wake them"
        # A thread waiting for another to finish is the consequence; the other waits are the cause.
        others = sorted(snapshot.threads, key=lambda t: t.desc == "join")
    for t in others:
        line = f"{t.name} waits for {t.waits_for}{_at(t.wait_location)}"
        if t.owner and t.desc != "join":
            line += f", held by {t.owner}"
        if t.holds:
            line += "; it holds " + ", ".join(f"{lock}{_at(where)}" for lock, where in t.holds)
        evidence.append(line)
    evidence.extend(inversions)
    location = (
        cycle[0].wait_location
        if cycle
        else next((t.wait_location for t in others if t.wait_location), None)
    )
    return Finding(
        kind=FindingKind.DEADLOCK,
        severity=Severity.FAIL,
        title=title,
        evidence=tuple(evidence),
        hint=hint
        or "Acquire locks in one global order everywhere (or take them together), and make every wait re-check a condition someone will signal.",
        location=text(location),
        seed=seed,
        check=check,
        data=dict(data or {}),
    )


def find_inversions(edges: Iterable[LockEdge]) -> list[tuple[LockEdge, LockEdge]]:
    """Pairs of edges A→B and B→A taken by different threads (or in different places)."""
    by_pair: dict[tuple[str, str], LockEdge] = {}
    for edge in edges:
        by_pair.setdefault((edge.held, edge.acquired), edge)
    found = []
    for (a, b), edge in by_pair.items():
        if a < b and (b, a) in by_pair:
            found.append((edge, by_pair[(b, a)]))
    return found


def inversion_evidence(pair: tuple[LockEdge, LockEdge]) -> list[str]:
    return [
        f"{edge.thread} acquires {edge.acquired}{_at(edge.where)} while holding {edge.held}{_at(edge.held_where)}"
        for edge in pair
    ] + ["the two orders are opposite: a schedule that interleaves them deadlocks"]


def lock_order_finding(pair: tuple[LockEdge, LockEdge], *, check: str = "") -> Finding:
    """WARN: an AB/BA inversion seen in runs that happened to finish."""
    first, _second = pair
    return Finding(
        kind=FindingKind.LOCK_ORDER,
        severity=Severity.WARN,
        title=f"Lock-order inversion: {first.held} and {first.acquired} are taken in both orders",
        evidence=tuple(inversion_evidence(pair)),
        hint="Pick one global order for these locks and acquire them in that order everywhere.",
        location=text(first.where),
        check=check,
    )
