"""The visualizer core: folding events into snapshots, the wire format, traces, widgets' math."""

from __future__ import annotations

from evaluator.events import Event, EventKind
from interactive.visualizer.fold import HISTORY, ActorState, Fold, deadlock_cycle
from interactive.visualizer.trace import to_trace_events
from interactive.visualizer.wire import decode_batch, encode_batch
from interactive.widgets.lanes import lane_cells, sparkline
from tests.functional._interactive_fakes import deadlock_events


def _fold(events: list[Event]) -> Fold:
    fold = Fold()
    for event in events:
        fold.apply(event)
    return fold


def test_fold_tracks_states_lock_waits_queue_depth_and_memory() -> None:
    snap = _fold(deadlock_events(threads=4, rounds=3)).snapshot()
    states = {a.name: a.state for a in snap.actors}
    assert states == {
        "worker-0": ActorState.LOCK, "worker-1": ActorState.LOCK,
        "worker-2": ActorState.DONE, "worker-3": ActorState.DONE,
    }
    locks = {lock.name: lock for lock in snap.locks}
    assert locks["lock_a"].acquisitions == 13 and locks["lock_a"].owner == "worker-0"
    assert locks["lock_a"].waiters == 1 and locks["lock_b"].owner == "worker-1"
    (jobs,) = snap.queues
    assert jobs.depth == 12 and jobs.peak == 12 and jobs.history[:3] == (1, 2, 3)
    assert snap.memory[-1] == 21 * 2**20


def test_lock_wait_time_counts_from_wait_to_acquire_or_give_up() -> None:
    events = [
        Event(0, 100, EventKind.LOCK_WAIT, "a", 1, "L"),
        Event(1, 400, EventKind.LOCK_ACQUIRE, "a", 1, "L"),
        Event(2, 500, EventKind.LOCK_WAIT, "b", 2, "L"),
        Event(3, 900, EventKind.MARK, "b", 2),  # marks do not change state
        Event(4, 1000, EventKind.SLEEP_START, "b", 2),  # gave up (timeout) and went to sleep
    ]
    (lock,) = _fold(events).snapshot().locks
    assert lock.wait_ns == 300 + 500 and lock.waiters == 0


def test_deadlock_cycle_is_found_and_absent_without_one() -> None:
    events = deadlock_events()
    assert deadlock_cycle(_fold(events).snapshot()) == ("worker-0", "worker-1")
    assert deadlock_cycle(_fold(events[:-9]).snapshot()) == ()


def test_reused_thread_idents_stay_separate_actors() -> None:
    events = [
        Event(0, 1, EventKind.THREAD_START, "first", 7),
        Event(1, 2, EventKind.THREAD_END, "first", 7),
        Event(2, 3, EventKind.THREAD_START, "second", 7),
    ]
    assert [a.name for a in _fold(events).snapshot().actors] == ["first", "second"]


def test_history_is_bounded_however_many_events_arrive() -> None:
    fold = Fold()
    for n in range(10 * HISTORY):
        kind = EventKind.SLEEP_START if n % 2 else EventKind.SLEEP_END
        fold.apply(Event(n, n, kind, "busy", 1))
    (actor,) = fold.snapshot().actors
    assert len(actor.transitions) == HISTORY


def test_wire_round_trip() -> None:
    events = deadlock_events(threads=2, rounds=1)
    assert decode_batch(encode_batch(events)) == events


def test_trace_has_named_threads_lock_spans_counters_and_valid_fields() -> None:
    trace = to_trace_events(deadlock_events(threads=3, rounds=2))
    names = {e["args"]["name"] for e in trace if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {"worker-0", "worker-1", "worker-2"}
    holds = [e for e in trace if e["ph"] == "X" and e["name"] == "hold lock_a"]
    waits = [e for e in trace if e["ph"] == "X" and e["name"] == "wait lock_a"]
    assert len(holds) == 6 + 1 and len(waits) == 6 + 1  # + the unreleased hold / open wait at the end
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in holds + waits)
    assert any(e["ph"] == "C" and e["name"] == "queue jobs" for e in trace)
    assert any(e["ph"] == "C" and e["name"] == "memory" for e in trace)
    tids = {e["tid"] for e in trace if e["ph"] == "X"}
    assert len(tids) == 3


def test_lane_cells_downsample_transitions_to_columns() -> None:
    snap = _fold(deadlock_events(threads=2, rounds=1)).snapshot()
    worker0 = next(a for a in snap.actors if a.name == "worker-0")
    cells = lane_cells(worker0, snap.start_ns, snap.now_ns, 10)
    assert len(cells) == 10 and cells[-1] is ActorState.LOCK


def test_sparkline_resamples_and_scales() -> None:
    assert sparkline((0, 7), 2) == "▁█"
    assert len(sparkline(tuple(range(1000)), 40)) == 40
    assert sparkline((100, 101, 102), 3, from_min=True) == "▁▄█"
    assert sparkline((), 10) == ""
