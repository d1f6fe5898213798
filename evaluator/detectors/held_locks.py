"""LOCK_HELD_DURING_IO: a thread blocks on I/O while holding a lock that other threads wait for.

"I/O" is every blocking wait the instrumentation records as a SLEEP_START/SLEEP_END pair: a
``time.sleep`` (the challenges' stand-in for slow I/O) and a socket ``recv`` with a timeout.

Works on the shared event stream (real or virtual timestamps), so the performance check, the
schedule check and ``learn trace`` all agree on what they report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from evaluator.events import Event, EventKind
from evaluator.findings import Finding, FindingKind, Severity

__all__ = ["find_locks_held_during_io"]

_SHOWN_HOLDERS = 3
"""Threads named in a finding's evidence; the rest are counted in one line."""


@dataclass
class _Stall:
    """One lock held by ``holder`` across sleeps while others waited for it."""

    lock: str
    holder: str
    sleeps: int = 0
    sleep_ns: int = 0
    wait_ns: int = 0
    waiters: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def find_locks_held_during_io(
    events: Iterable[Event],
    *,
    severity: Severity = Severity.FAIL,
    min_wait_ns: int = 1,
    check: str = "",
) -> list[Finding]:
    """Report every lock that was held across an I/O wait (``time.sleep`` or a socket ``recv``)
    while another thread waited for it (one finding per lock, whichever threads held it).

    Args:
        events: the event stream of one run, in emission order.
        severity: FAIL when the caller treats this as confirmed evidence, WARN for advice.
        min_wait_ns: waits caused below this total are noise and not reported.
        check: the name of the check, copied into each finding.
    """
    held: dict[str, list[tuple[str, int]]] = defaultdict(list)  # actor -> [(lock, since_ns)]
    sleep_start: dict[str, tuple[int, str | None]] = {}
    sleeps: list[tuple[str, str, int, int, str | None]] = []  # (actor, lock, t0, t1, location)
    wait_start: dict[tuple[str, str], int] = {}
    waits: list[tuple[str, str, int, int]] = []  # (actor, lock, t0, t1)
    last_ts = 0
    for ev in events:
        last_ts = ev.ts_ns
        if ev.obj is None and ev.kind not in (EventKind.SLEEP_START, EventKind.SLEEP_END):
            continue
        if ev.detail == "semaphore":
            continue  # a semaphore bounds concurrency; sleeping while holding a permit is its purpose
        if ev.kind is EventKind.LOCK_ACQUIRE and ev.obj is not None:
            held[ev.actor].append((ev.obj, ev.ts_ns))
            start = wait_start.pop((ev.actor, ev.obj), None)
            if start is not None:
                waits.append((ev.actor, ev.obj, start, ev.ts_ns))
        elif ev.kind is EventKind.LOCK_RELEASE and ev.obj is not None:
            stack = held[ev.actor]
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == ev.obj:
                    del stack[i]
                    break
        elif ev.kind is EventKind.LOCK_WAIT and ev.obj is not None:
            wait_start[(ev.actor, ev.obj)] = ev.ts_ns
        elif ev.kind is EventKind.SLEEP_START:
            sleep_start[ev.actor] = (ev.ts_ns, ev.location)
        elif ev.kind is EventKind.SLEEP_END and ev.actor in sleep_start:
            t0, location = sleep_start.pop(ev.actor)
            for lock, _since in held[ev.actor]:
                sleeps.append((ev.actor, lock, t0, ev.ts_ns, location))
    for (actor, lock), start in wait_start.items():  # still waiting when the stream ended
        waits.append((actor, lock, start, last_ts))

    stalls: dict[tuple[str, str], _Stall] = {}
    for holder, lock, s0, s1, location in sleeps:
        caused = 0
        who: set[str] = set()
        for waiter, wlock, w0, w1 in waits:
            if wlock == lock and waiter != holder:
                overlap = _overlap(s0, s1, w0, w1)
                if overlap:
                    caused += overlap
                    who.add(waiter)
        if not caused:
            continue
        stall = stalls.setdefault((holder, lock), _Stall(lock, holder))
        stall.sleeps += 1
        stall.sleep_ns += s1 - s0
        stall.wait_ns += caused
        stall.waiters |= who
        if location:
            stall.locations.add(location)

    by_lock: dict[str, list[_Stall]] = defaultdict(list)
    for stall in stalls.values():
        by_lock[stall.lock].append(stall)
    findings = []
    for lock, group in sorted(by_lock.items(), key=lambda item: -sum(s.wait_ns for s in item[1])):
        group.sort(key=lambda s: -s.wait_ns)
        wait_ns = sum(s.wait_ns for s in group)
        if wait_ns < min_wait_ns:
            continue
        findings.append(_finding(lock, group, wait_ns, severity, check))
    return findings


def _finding(
    lock: str, group: list[_Stall], wait_ns: int, severity: Severity, check: str
) -> Finding:
    """One finding per lock: its worst holder first, every holder in the evidence."""
    worst = group[0]
    where = sorted(set().union(*(s.locations for s in group)))
    waiters = ", ".join(sorted(set().union(*(s.waiters for s in group))))
    holders = (
        worst.holder
        if len(group) == 1
        else f"{worst.holder} (and {len(group) - 1} other thread(s))"
    )
    evidence = [
        f"{s.holder} held {lock} across {s.sleeps} sleep(s) totalling {s.sleep_ns / 1e6:.1f} ms"
        + (f" (at {', '.join(sorted(s.locations))})" if s.locations else "")
        for s in group[:_SHOWN_HOLDERS]
    ]
    if len(group) > _SHOWN_HOLDERS:
        evidence.append(f"... and {len(group) - _SHOWN_HOLDERS} more thread(s) did the same")
    evidence.append(f"meanwhile {waiters} waited {wait_ns / 1e6:.1f} ms in total for {lock}")
    return Finding(
        kind=FindingKind.LOCK_HELD_DURING_IO,
        severity=severity,
        title=f"{holders} sleeps while holding {lock}, and other threads wait for it",
        evidence=tuple(evidence),
        hint="Do the slow work (sleep, I/O) outside the critical section; hold the lock only to read or update shared state.",
        location=where[0] if where else None,
        check=check,
        data={
            "lock": lock,
            "holder": worst.holder,
            "holders": [s.holder for s in group],
            "wait_ns": wait_ns,
            "sleep_ns": sum(s.sleep_ns for s in group),
        },
    )
