"""Focus points: the scheduler marks where preemptions open races and deadlocks, and the
focused strategies put their preemptions there first."""

from __future__ import annotations

from evaluator.scheduler import (
    Budget,
    FocusedPct,
    Guided,
    _seed,
    chooser_from_seed,
    explore,
    run_schedule,
)
from evaluator.scheduler._tracer import ProgramTracer

from ._sched_support import COUNTER, PROGRAMS, instrumented, load_module, two_deposits

RING = PROGRAMS / "ring_pair_locks.py"


def ring_of_transfers(program):
    import threading

    bank = program.Bank(["a", "b", "c"])
    threads = [
        threading.Thread(target=bank.transfer, args=t)
        for t in [("a", "b", 1), ("b", "c", 1), ("c", "a", 1)]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_a_decision_right_after_a_shared_read_is_a_focus_point() -> None:
    with instrumented():
        program = load_module(COUNTER)
        run = run_schedule(two_deposits, program, Guided(), tracer=ProgramTracer(COUNTER))
    focused = [d for d in run.decisions if d.focus]
    assert focused, "the read of self.balance in `self.balance += amount` is a focus point"
    assert all(d.current is not None for d in focused)
    assert len(focused) < len(run.decisions)


def test_a_decision_before_a_nested_acquire_is_a_focus_point() -> None:
    with instrumented():
        program = load_module(RING)
        run = run_schedule(ring_of_transfers, program, Guided(), tracer=ProgramTracer(RING))
    # each transfer takes its source lock while holding its pair lock, and its target lock while
    # holding both: at least two hold-and-wait points per transfer
    assert sum(d.focus for d in run.decisions) >= 3


def test_focused_pct_finds_a_three_lock_ring_in_every_seed_within_a_small_budget() -> None:
    with instrumented():
        program = load_module(RING)
        found = []
        for seed in range(1, 11):
            result = explore(
                ring_of_transfers,
                program,
                program_path=RING,
                seed=seed,
                budget=Budget(max_schedules=60, max_seconds=60, strategies=("focus",), por=False),
            )
            found.append(result.failure is not None and result.failure.outcome == "deadlock")
    assert all(found), found


def test_a_focused_pct_seed_replays_the_same_schedule() -> None:
    with instrumented():
        program = load_module(RING)
        result = explore(
            ring_of_transfers,
            program,
            program_path=RING,
            seed=3,
            budget=Budget(max_schedules=60, max_seconds=60, strategies=("focus",), por=False),
        )
        assert result.failure is not None
        seed = result.failure.seed
        assert _seed.decode(seed)[0] == _seed.TAG_FOCUS
        chooser = chooser_from_seed(seed)
        assert isinstance(chooser, FocusedPct)
        again = run_schedule(ring_of_transfers, program, chooser, tracer=ProgramTracer(RING))
    assert again.outcome == "deadlock"
    assert [d.chosen for d in again.decisions] == [d.chosen for d in result.failure.decisions]
