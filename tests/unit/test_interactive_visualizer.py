"""The visualizer core: folding events into snapshots, the wire format, traces, widgets' math."""

from __future__ import annotations

from evaluator.events import Event, EventKind
from evaluator.state import HISTORY, ActorState, Fold, deadlock_cycle
from interactive.visualizer.trace import to_trace_events
from interactive.visualizer.wire import decode_batch, encode_batch
from interactive.widgets.lanes import (
    HeatmapWidget,
    lane_cells,
    name_width,
    sparkline,
    time_sparkline,
)
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
        "worker-0": ActorState.LOCK,
        "worker-1": ActorState.LOCK,
        "worker-2": ActorState.DONE,
        "worker-3": ActorState.DONE,
    }
    locks = {lock.name: lock for lock in snap.locks}
    assert locks["lock_a"].acquisitions == 13 and locks["lock_a"].owner == "worker-0"
    assert locks["lock_a"].waiters == 1 and locks["lock_b"].owner == "worker-1"
    (jobs,) = snap.queues
    assert jobs.depth == 12 and jobs.peak == 12 and jobs.history[:3] == (1, 2, 3)
    assert snap.memory[-1][1] == 21 * 2**20


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
    assert len(actor.transitions) <= HISTORY
    # The lane still covers the whole run (thinned), so a busy thread's lane is not blank at its start.
    assert actor.transitions[0][0] == 0 and actor.transitions[-1][0] == 10 * HISTORY - 1
    cells = lane_cells(actor, 0, 10 * HISTORY - 1, 80)
    assert None not in cells


def test_wire_round_trip() -> None:
    events = deadlock_events(threads=2, rounds=1)
    assert decode_batch(encode_batch(events)) == events


def test_trace_has_named_threads_lock_spans_counters_and_valid_fields() -> None:
    from evaluator.trace import validate_trace

    trace = to_trace_events(deadlock_events(threads=3, rounds=2))
    names = {e["args"]["name"] for e in trace if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {"worker-0", "worker-1", "worker-2", "lock lock_a", "lock lock_b"}
    holds = [
        e
        for e in trace
        if e["ph"] == "X" and e["cat"] == "lock-hold" and e["args"]["lock"] == "lock_a"
    ]
    waits = [e for e in trace if e["ph"] == "X" and e["name"].startswith("wait lock_a")]
    assert (
        len(holds) == 6 + 1 and len(waits) == 6 + 1
    )  # + the unreleased hold / open wait at the end
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in holds + waits)
    assert any(e["ph"] == "C" and e["name"] == "queue jobs" for e in trace)
    assert any(e["ph"] == "C" and e["name"] == "memory" for e in trace)
    assert validate_trace({"traceEvents": trace}) == []


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


def test_an_ongoing_wait_counts_up_to_now_so_a_deadlocked_lock_is_hot() -> None:
    events = [
        Event(0, 0, EventKind.LOCK_ACQUIRE, "a", 1, "L"),
        Event(1, 1_000, EventKind.LOCK_WAIT, "b", 2, "L"),
        Event(
            2, 5_000_000_000, EventKind.MEMORY, "sampler", 0, value=1
        ),  # time passes, b still waits
    ]
    (lock,) = _fold(events).snapshot().locks
    assert lock.waiters == 1 and lock.wait_ns == 5_000_000_000 - 1_000


def test_a_timed_out_acquire_closes_the_wait_and_is_not_a_hold() -> None:
    events = [
        Event(0, 0, EventKind.LOCK_ACQUIRE, "a", 1, "L"),
        Event(1, 100, EventKind.LOCK_WAIT, "pool", 2, "L"),
        Event(2, 100, EventKind.LOCK_TIMEOUT, "pool", 2, "L"),  # acquire(timeout=0) gave up
        Event(3, 9_000, EventKind.MEMORY, "sampler", 0, value=1),
    ]
    snap = _fold(events).snapshot()
    (lock,) = snap.locks
    assert lock.waiters == 0 and lock.wait_ns == 0 and lock.owner == "a" and lock.acquisitions == 1
    assert {a.name: a.state for a in snap.actors}["pool"] is ActorState.RUNNING


def test_done_and_not_started_look_different_in_a_lane() -> None:
    events = [
        Event(0, 0, EventKind.THREAD_START, "early", 1),
        Event(1, 50, EventKind.THREAD_END, "early", 1),
        Event(2, 60, EventKind.THREAD_START, "late", 2),
        Event(3, 100, EventKind.MARK, "x", 0),
    ]
    snap = _fold(events).snapshot()
    early, late = snap.actors
    assert lane_cells(early, 0, 100, 10)[-1] is ActorState.DONE
    assert lane_cells(late, 0, 100, 10)[0] is None


def test_heatmap_rows_are_exactly_the_width_and_every_lock_has_a_row() -> None:
    events = []
    for n in range(5):
        events += [
            Event(
                len(events), n * 10, EventKind.LOCK_WAIT, f"t{n}", n, f"Account.lock_{n}_long_name"
            ),
            Event(
                len(events) + 1,
                n * 10 + 5,
                EventKind.LOCK_ACQUIRE,
                f"t{n}",
                n,
                f"Account.lock_{n}_long_name",
            ),
        ]
    widget = HeatmapWidget()
    widget.snapshot = _fold(events).snapshot()
    for width in (40, 78, 118, 198):
        rows = widget.rows(width)
        assert len(rows) == 5
        assert all(row.cell_len == width for row in rows), [row.cell_len for row in rows]
        assert all("\n" not in row.plain for row in rows)


def test_names_use_the_room_a_wide_screen_has() -> None:
    names = ["ThreadPoolExecutor-0_12", "asyncio-task-fetch-user-profile-7"]
    assert name_width(names, 200) == 34 and name_width(names, 80) <= 20


def test_memory_sparkline_is_per_time_and_scaled_from_zero() -> None:
    mib = 2**20
    # 25.4 -> 25.8 MiB is flat, not a leak: scaled from zero every column is (nearly) full.
    flat = time_sparkline(((0, int(25.4 * mib)), (10, int(25.8 * mib))), 0, 10, 10)
    assert set(flat) <= {"▇", "█"}
    # Samples bunched at the start then one late one: per time, the early value fills most columns.
    bunched = time_sparkline(((0, 8), (1, 8), (2, 8), (3, 8), (100, 1)), 0, 100, 10)
    assert bunched[:9] == "█" * 9 and bunched[9] != "█"


def _ev(
    seq: int,
    ts: int,
    kind: EventKind,
    actor: str,
    obj: str | None = None,
    actor_id: int | None = None,
) -> Event:
    return Event(
        seq, ts, kind, actor, actor_id if actor_id is not None else 100 + ord(actor[-1]), obj
    )


def test_hand_over_hand_locking_nests_on_every_track() -> None:
    from evaluator.trace import to_chrome_trace, validate_trace

    a, b, c = "node_a", "node_b", "node_c"
    events = [
        _ev(0, 0, EventKind.LOCK_ACQUIRE, "t1", a),
        _ev(1, 10, EventKind.LOCK_ACQUIRE, "t1", b),
        _ev(2, 20, EventKind.LOCK_RELEASE, "t1", a),
        _ev(3, 30, EventKind.LOCK_ACQUIRE, "t1", c),
        _ev(4, 40, EventKind.LOCK_RELEASE, "t1", b),
        _ev(5, 50, EventKind.LOCK_RELEASE, "t1", c),
    ]
    trace = to_chrome_trace(events)
    assert validate_trace(trace) == []
    holds = [e for e in trace["traceEvents"] if e["ph"] == "X" and e["cat"] == "lock-hold"]
    assert len({e["tid"] for e in holds}) == 3  # one track per lock


def test_the_validator_catches_crossing_spans_and_missing_fields() -> None:
    from evaluator.trace import validate_trace

    crossing = {
        "traceEvents": [
            {"ph": "X", "pid": 1, "tid": 1, "name": "hold a", "ts": 0, "dur": 20},
            {"ph": "X", "pid": 1, "tid": 1, "name": "hold b", "ts": 10, "dur": 20},
            {"ph": "i", "pid": 1, "name": "x", "s": "t", "ts": 1},
            {"ph": "s", "pid": 1, "tid": 1, "name": "f", "id": 9, "ts": 1},
        ]
    }
    problems = validate_trace(crossing)
    assert any("crosses" in p for p in problems)
    assert any("needs a tid" in p for p in problems)
    assert any("flow 9" in p for p in problems)


def test_timeouts_joins_event_waits_process_name_and_deadlock_arrows() -> None:
    from evaluator.trace import to_chrome_trace, validate_trace

    events = [
        _ev(0, 0, EventKind.LOCK_ACQUIRE, "t1", "A"),
        _ev(1, 5, EventKind.LOCK_ACQUIRE, "t2", "B"),
        _ev(2, 10, EventKind.LOCK_WAIT, "t3", "A"),
        _ev(3, 12, EventKind.LOCK_TIMEOUT, "t3", "A"),
        _ev(4, 14, EventKind.JOIN_WAIT, "t3", "t1"),
        _ev(5, 16, EventKind.EVENT_WAIT, "t4", "ready"),
        _ev(6, 20, EventKind.LOCK_WAIT, "t1", "B"),
        _ev(7, 21, EventKind.LOCK_WAIT, "t2", "A"),
        Event(8, 30, EventKind.MEMORY, "sampler", 0, value=5),
    ]
    trace = to_chrome_trace(events, killed=True, title="example 3")
    assert validate_trace(trace) == []
    out = trace["traceEvents"]
    assert {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "example 3"}} in out
    spans = {(e["tid"], e["name"], e["dur"]) for e in out if e["ph"] == "X"}
    t3 = 100 + ord("3")
    assert (t3, "wait A (gave up)", 0.002) in spans  # closed at the timeout, not at the end
    assert any(tid == t3 and name.startswith("join t1") for tid, name, _ in spans)
    assert any(name == "wait ready (still waiting at the end)" for _, name, _ in spans)
    instants = [e["name"] for e in out if e["ph"] == "i"]
    assert sum(name.startswith("deadlock: waits for") for name in instants) == 2
    assert any(name.startswith("killed at the deadline") for name in instants)
    assert sorted(e["ph"] for e in out if e["ph"] in "sf") == ["f", "f", "s", "s"]
    threads = {
        e["tid"]
        for e in out
        if e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] == "t1"
    }
    assert threads == {100 + ord("1")}  # keyed by thread id


def test_a_reused_ident_gets_its_own_track() -> None:
    from evaluator.trace import to_chrome_trace

    events = [
        Event(0, 0, EventKind.THREAD_START, "first", 7),
        Event(1, 1, EventKind.THREAD_END, "first", 7),
        Event(2, 2, EventKind.THREAD_START, "second", 7),
    ]
    names = {
        e["tid"]: e["args"]["name"]
        for e in to_chrome_trace(events)["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    assert sorted(names.values()) == ["first", "second"] and len(names) == 2


def test_a_fold_copy_is_independent_and_equal() -> None:
    fold = _fold(deadlock_events())
    other = fold.copy()
    assert other.snapshot() == fold.snapshot()
    other.apply(Event(999, 10**12, EventKind.LOCK_RELEASE, "worker-0", 100, "lock_a"))
    assert other.snapshot() != fold.snapshot()
    assert {lock.name: lock.owner for lock in fold.snapshot().locks}["lock_a"] == "worker-0"


def test_lane_rows_kept_across_frames_match_rows_drawn_afresh() -> None:
    """Rows reuse each actor's split transitions between frames (appends only); history thinning
    and a different actor on the same row must start over, never draw stale states."""
    from evaluator.events import Event, EventKind
    from interactive.widgets.lanes import _DEFAULT_STYLES, LanesWidget, _LaneFrame

    kinds = (
        EventKind.LOCK_WAIT,
        EventKind.LOCK_ACQUIRE,
        EventKind.SLEEP_START,
        EventKind.SLEEP_END,
    )
    fold, kept = Fold(), LanesWidget()
    seq = 0
    for frame in range(12):  # about 3 * HISTORY transitions per actor: thinned several times
        for _ in range(HISTORY // 2):
            for actor in range(3):
                fold.apply(Event(seq, seq, kinds[seq % 4], f"w{actor}", actor, "L"))
                seq += 1
        if frame == 6:  # a new actor sorts nowhere special but adds a row
            fold.apply(Event(seq, seq, EventKind.THREAD_START, "late", 99))
            seq += 1
        snapshot = fold.snapshot()
        layout = _LaneFrame(snapshot, 120, _DEFAULT_STYLES)
        for y in range(len(snapshot.actors) + 1):
            assert kept._row(layout, y, 120).text == LanesWidget()._row(layout, y, 120).text, (
                frame,
                y,
            )


def test_dotted_task_names_keep_their_end_in_a_narrow_lane() -> None:
    """Found under tmux at 80x24: lesson 11's anyio tasks all read 'examples.ex11_bou…'."""
    from interactive.widgets.lanes import lane_name

    shown = lane_name("examples.ex11_bounded_parallelism_anyio._job_that_may_fail", 19)
    assert shown == "…_job_that_may_fail" and len(shown) == 19
    assert (
        lane_name("examples.ex11_bounded_parallelism_anyio._job", 19)
        .rstrip()
        .endswith("anyio._job")
    )
    assert (
        lane_name("worker-with-a-very-long-name", 10) == "worker-wi…"
    )  # plain names keep their start
