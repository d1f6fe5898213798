"""Detectors, state snapshots and trace export on hand-made event streams."""

from __future__ import annotations

import json
from pathlib import Path

from evaluator.detectors.deadlock import (
    BlockedThread,
    DeadlockSnapshot,
    deadlock_finding,
    wait_for_cycle,
)
from evaluator.detectors.held_locks import find_locks_held_during_io
from evaluator.detectors.race import interleaving_evidence, lost_updates
from evaluator.events import Event, EventKind
from evaluator.findings import FindingKind, Severity
from evaluator.scheduler import Step
from evaluator.state import ActorState, Fold, deadlock_cycle
from evaluator.trace import to_chrome_trace, write_trace


def ev(
    seq: int,
    ms: int,
    kind: EventKind,
    actor: str,
    obj: str | None = None,
    value: int | None = None,
    detail: str | None = None,
) -> Event:
    return Event(seq, ms * 1_000_000, kind, actor, hash(actor) % 1000, obj, value, None, detail)


STREAM = [
    ev(0, 0, EventKind.THREAD_START, "worker-1"),
    ev(1, 0, EventKind.THREAD_START, "worker-2"),
    ev(2, 1, EventKind.LOCK_ACQUIRE, "worker-1", "db"),
    ev(3, 2, EventKind.SLEEP_START, "worker-1"),
    ev(4, 3, EventKind.LOCK_WAIT, "worker-2", "db"),
    ev(5, 12, EventKind.SLEEP_END, "worker-1"),
    ev(6, 13, EventKind.LOCK_RELEASE, "worker-1", "db"),
    ev(7, 13, EventKind.LOCK_ACQUIRE, "worker-2", "db"),
    ev(8, 14, EventKind.QUEUE_PUT, "worker-2", "jobs", 1),
    ev(9, 15, EventKind.LOCK_RELEASE, "worker-2", "db"),
    ev(10, 16, EventKind.THREAD_END, "worker-1"),
]


def test_deadlock_message_names_the_cycle() -> None:
    snapshot = DeadlockSnapshot(
        (
            BlockedThread(
                "worker-1",
                "lock",
                "Lock fork-2",
                "program.py:14",
                "worker-2",
                (("Lock fork-1", "program.py:12"),),
            ),
            BlockedThread(
                "worker-2",
                "lock",
                "Lock fork-1",
                "program.py:20",
                "worker-1",
                (("Lock fork-2", "program.py:19"),),
            ),
            BlockedThread(
                "MainThread", "join", "thread worker-1 to finish", "spec.py:9", "worker-1", ()
            ),
        )
    )
    finding = deadlock_finding(snapshot, seed=42)
    assert (
        finding.kind is FindingKind.DEADLOCK
        and finding.severity is Severity.FAIL
        and finding.seed == 42
    )
    assert finding.evidence[0] == (
        "worker-1 holds Lock fork-1 (acquired at program.py:12) and waits for Lock fork-2 at program.py:14, "
        "held by worker-2, which waits for Lock fork-1 at program.py:20, held by worker-1"
    )
    assert finding.evidence[1] == "MainThread waits for thread worker-1 to finish at spec.py:9"
    assert finding.location == "program.py:14"


def test_lock_held_during_sleep_reports_the_wait_it_caused() -> None:
    [finding] = find_locks_held_during_io(STREAM)
    assert finding.kind is FindingKind.LOCK_HELD_DURING_IO and finding.data["holder"] == "worker-1"
    assert (
        finding.data["wait_ns"] == 9_000_000
    )  # worker-2 waited from 3 ms until the sleep ended at 12 ms
    semaphore_only = [
        e
        if e.obj != "db"
        else ev(e.seq, e.ts_ns // 1_000_000, e.kind, e.actor, "db", detail="semaphore")
        for e in STREAM
    ]
    assert find_locks_held_during_io(semaphore_only) == []


def test_lost_update_is_called_out() -> None:
    key = (1, "balance")
    steps = [
        Step(1, "t1", "program.py:20", "read", "self.balance", "100", key),
        Step(2, "t2", "program.py:20", "read", "self.balance", "100", key),
        Step(2, "t2", "program.py:20", "write", "self.balance", "150", key),
        Step(1, "t1", "program.py:20", "write", "self.balance", "130", key),
    ]
    assert lost_updates(steps) == {3: "t2"}
    lines = interleaving_evidence(steps)
    assert lines[0] == "t1 reads self.balance = 100 at program.py:20"
    assert lines[-1] == "t1 writes self.balance = 130 at program.py:20 — t2's update is lost"


def test_state_snapshots_fold_the_stream() -> None:
    fold = Fold()
    for event in STREAM[:5]:
        fold.apply(event)
    mid = fold.snapshot()
    states = {a.name: (a.state, a.obj) for a in mid.actors}
    assert states == {"worker-1": (ActorState.SLEEPING, None), "worker-2": (ActorState.LOCK, "db")}
    assert mid.locks[0].owner == "worker-1" and mid.locks[0].waiters == 1
    for event in STREAM[5:]:
        fold.apply(event)
    end = fold.snapshot()
    db = end.locks[0]
    assert (db.acquisitions, db.wait_ns, db.owner) == (2, 10_000_000, None)
    assert (end.queues[0].depth, end.queues[0].peak) == (1, 1)
    assert {a.name: a.state for a in end.actors}["worker-1"] is ActorState.DONE
    assert mid.locks[0].waiters == 1 and mid.locks[0].owner == "worker-1"  # snapshots are immutable


def test_every_deadlock_view_finds_the_same_cycle() -> None:
    """The detector, the trace's arrows and the visualizer's overlay share one wait-for rule."""
    assert wait_for_cycle({"a": "b", "b": "c", "c": "b"}) == ["b", "c"]
    assert wait_for_cycle({"a": "b", "b": "a"}) == ["a", "b"]
    assert wait_for_cycle({"a": "b", "b": "c"}) == []
    stream = [
        ev(0, 0, EventKind.LOCK_ACQUIRE, "t1", "x"),
        ev(1, 0, EventKind.LOCK_ACQUIRE, "t2", "y"),
        ev(2, 1, EventKind.LOCK_WAIT, "t1", "y"),
        ev(3, 1, EventKind.LOCK_WAIT, "t2", "x"),
    ]
    fold = Fold()
    for event in stream:
        fold.apply(event)
    assert deadlock_cycle(fold.snapshot()) == ("t1", "t2")
    flows = [
        e
        for e in to_chrome_trace(stream)["traceEvents"]
        if e.get("cat") == "deadlock" and e["ph"] == "s"
    ]
    assert len(flows) == 2


def test_chrome_trace_is_valid_json_with_threads_spans_and_counters(tmp_path: Path) -> None:
    path = write_trace(STREAM, tmp_path / "trace.json")
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {"worker-1", "worker-2", "lock db"}  # lock holds live on the lock's own track
    spans = {(e["name"], e["dur"]) for e in events if e["ph"] == "X"}
    assert ("sleep", 10_000.0) in spans and ("wait db", 10_000.0) in spans
    assert any(name.startswith("held by") and dur == 12_000.0 for name, dur in spans)
    assert any(e["ph"] == "C" and e["args"] == {"depth": 1} for e in events)
    assert all({"ph", "pid"} <= e.keys() for e in events)
    assert to_chrome_trace([]) == {"traceEvents": [], "displayTimeUnit": "ms"}
