"""Partial-order reduction: every distinct ordering of dependent steps, each only once."""

from __future__ import annotations

import threading
import time

from evaluator.scheduler import Budget, Guided, chooser_from_seed, explore, run_schedule
from evaluator.scheduler._strategies import FocusRoundRobin, races
from evaluator.scheduler._tracer import ProgramTracer

from ._sched_support import CORPUS, PROGRAMS, instrumented, load_module, two_deposits

MAILBOX = CORPUS / "condvar_if_not_while"
ONLY_DPOR = Budget(max_schedules=2000, max_seconds=120, strategies=("dpor",))


def two_consumers(program):
    box = program.Mailbox()
    got: list[int] = []
    consumers = [threading.Thread(target=lambda: got.append(box.take())) for _ in range(2)]
    producer = threading.Thread(target=lambda: [box.put(i) for i in range(2)])
    for t in (*consumers, producer):
        t.start()
    for t in (*consumers, producer):
        t.join()
    assert sorted(got) == [0, 1], got


def independent(program):
    counters = program.Counters()
    threads = [
        threading.Thread(target=counters.bump_left),
        threading.Thread(target=counters.bump_right),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_threads_that_share_nothing_need_one_schedule() -> None:
    path = PROGRAMS / "independent_counters.py"
    with instrumented():
        result = explore(
            independent, load_module(path), program_path=path, seed=1, budget=ONLY_DPOR
        )
    assert result.failure is None
    assert result.por_exhausted
    # One: DFS bound 2 would run hundreds (every preemption point is a choice), and the scenario's
    # joins are ordered after the exits they wait for, not reorderable with them.
    assert result.schedules == 1


def test_a_lost_update_is_found_and_its_seed_replays() -> None:
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        program = load_module(path)
        result = explore(two_deposits, program, program_path=path, seed=1, budget=ONLY_DPOR)
        assert result.failure is not None and result.schedules <= 6
        again = run_schedule(
            two_deposits,
            program,
            chooser_from_seed(result.failure.seed),
            tracer=ProgramTracer(path),
        )
    assert type(again.error) is type(result.failure.error)
    assert [d.chosen for d in again.decisions] == [d.chosen for d in result.failure.decisions]


def test_a_woken_waiter_that_does_not_recheck_is_found_across_condition_wakeups() -> None:
    """The bug needs another consumer to take the item between notify() and the waiter's return:
    lock identities must match across schedules for sleep sets to stay sound."""
    with instrumented():
        bug = load_module(MAILBOX / "bug.py")
        found = explore(
            two_consumers, bug, program_path=MAILBOX / "bug.py", seed=1, budget=ONLY_DPOR
        )
        fixed = load_module(MAILBOX / "fixed.py")
        proved = explore(
            two_consumers, fixed, program_path=MAILBOX / "fixed.py", seed=1, budget=ONLY_DPOR
        )
    assert found.failure is not None
    assert proved.failure is None and proved.por_exhausted
    assert proved.schedules < 2000


def test_races_are_only_unordered_dependent_steps() -> None:
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        run = run_schedule(two_deposits, load_module(path), Guided(), tracer=ProgramTracer(path))
    pairs = races(run.trail)
    assert pairs, "the two deposits' reads and writes of balance race"
    assert all(run.trail[j].tid != run.trail[i].tid for j, i in pairs)
    assert all(j < i for j, i in pairs)


def test_a_run_cut_short_proves_nothing() -> None:
    path = PROGRAMS / "counter_once.py"

    def spin(program):
        account = program.Account()
        while True:
            account.deposit(1)

    with instrumented():
        result = explore(
            spin,
            load_module(path),
            program_path=path,
            seed=1,
            budget=Budget(max_schedules=3, max_seconds=60, strategies=("dpor",)),
        )
    assert not result.por_exhausted


def deposit_then_join_then_deposit(program):
    account = program.Account()
    worker = threading.Thread(target=account.deposit, args=(1,))
    worker.start()
    worker.join()
    account.deposit(1)  # after the join: ordered after the worker's deposit, never racing with it
    assert account.balance == 102


def test_a_join_orders_the_joined_thread_before_the_joiner() -> None:
    """A join returns only after the thread's exit, whether it waited or the thread had already
    finished: the joiner's later steps are ordered after the thread's, so there is nothing to
    reorder (reordering the exit and the join would only double the count: the join cannot pass)."""
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        result = explore(
            deposit_then_join_then_deposit,
            load_module(path),
            program_path=path,
            seed=1,
            budget=ONLY_DPOR,
        )
    assert result.failure is None and result.por_exhausted
    assert result.schedules == 1


def test_joins_do_not_hide_the_race_between_the_joined_threads() -> None:
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        result = explore(
            two_deposits, load_module(path), program_path=path, seed=1, budget=ONLY_DPOR
        )
    assert result.failure is not None


def test_the_probe_finds_a_lost_update_first_and_its_seed_replays() -> None:
    """The first schedule hands over at every focus point: right after the first deposit reads
    the balance, the second one runs, and the update is lost in one run (no shrinking runs)."""
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        program = load_module(path)
        result = explore(
            two_deposits,
            program,
            program_path=path,
            seed=1,
            budget=Budget(max_schedules=200, max_seconds=120),
        )
        assert result.failure is not None and result.failure.strategy == "probe"
        assert result.schedules == 1
        chooser = chooser_from_seed(result.failure.seed)
        assert isinstance(chooser, Guided)  # replayed as plain forced choices
        again = run_schedule(two_deposits, program, chooser, tracer=ProgramTracer(path))
    assert str(again.error) == str(result.failure.error)
    assert again.decisions == result.failure.decisions


def test_a_dpor_counterexample_is_reported_without_shrinking_runs() -> None:
    """DPOR reverses one race at a time, so its failure is already a small deviation from the
    default schedule: the exploration reports it at once (the root, then DPOR's first reversal)."""
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        result = explore(
            two_deposits,
            load_module(path),
            program_path=path,
            seed=1,
            budget=Budget(max_schedules=200, max_seconds=120, probe=False),
        )
    assert result.failure is not None and result.failure.strategy == "dpor"
    assert result.schedules == 2


def two_fans_take_seats_one_at_a_time(program):
    """Two fans each take two permits of a two-permit semaphore one at a time, giving back what
    they got if the second try fails: both failing is reachable (each holds one, each fails)."""
    seats = threading.Semaphore(2)
    refused: list[str] = []

    def fan(name: str) -> None:
        got = 0
        while got < 2 and seats.acquire(blocking=False):
            got += 1
        if got < 2:
            refused.append(name)
            for _ in range(got):
                seats.release()

    fans = [threading.Thread(target=fan, args=(name,)) for name in ("ana", "ben")]
    for t in fans:
        t.start()
    for t in fans:
        t.join()
    assert len(refused) < 2, f"both fans were refused: {refused}"


def test_a_release_is_a_scheduling_point() -> None:
    """A failed try-acquire followed by a release ran as one step: no thread could act in
    between, so "both refused" was never explored and DPOR called its space exhausted."""
    path = PROGRAMS / "counter_once.py"
    with instrumented():
        result = explore(
            two_fans_take_seats_one_at_a_time,
            load_module(path),
            program_path=path,
            seed=1,
            budget=ONLY_DPOR,
        )
    assert result.failure is not None
    assert "both fans were refused" in str(result.failure.error)


def test_when_the_probe_finds_nothing_the_default_schedule_runs_next() -> None:
    """The probe hands the lock-free worker the processor before stop() takes the lock, so only
    the default schedule (stop() first, joining under the lock) deadlocks: it runs second."""
    case = CORPUS / "deadlock_join_under_lock"
    spec = load_module(case / "spec.py").SPEC
    with instrumented():
        result = explore(
            spec.checks[0].scenario,
            load_module(case / "bug.py"),
            program_path=case / "bug.py",
            seed=1,
            budget=Budget(max_schedules=200, max_seconds=120),
        )
    assert result.failure is not None and result.failure.strategy == "root"
    assert result.failure.outcome == "deadlock" and result.schedules == 2


def test_the_probe_changes_nothing_partial_order_reduction_proves() -> None:
    """DPOR starts from the default schedule with or without the probe before it: both end
    exhausted, with the same set of final states (here: which deposits were lost)."""
    path = PROGRAMS / "counter_once.py"
    outcomes: dict[bool, set[str]] = {}
    for probe in (True, False):
        seen: set[str] = set()

        def record(program, seen=seen):
            try:
                two_deposits(program)
                seen.add("ok")
            except Exception as error:  # the Violation: which balance it ended with
                seen.add(str(error))

        with instrumented():
            result = explore(
                record,
                load_module(path),
                program_path=path,
                seed=1,
                budget=Budget(
                    max_schedules=2000, max_seconds=120, strategies=("dpor",), probe=probe
                ),
            )
        assert result.failure is None and result.por_exhausted
        outcomes[probe] = seen
    assert outcomes[True] == outcomes[False] and len(outcomes[True]) > 1


def test_the_probe_never_moves_the_clock_while_a_thread_can_run() -> None:
    """At a focus point with only a sleeper to hand over to, the probe keeps the running thread:
    waking the sleeper would make time pass for a thread that could run (the default schedule's
    timing, which timing checks of one schedule rely on)."""
    path = PROGRAMS / "counter_and_sleeper.py"

    def count_while_napping(program):
        began = time.monotonic()
        workers = [threading.Thread(target=program.nap), threading.Thread(target=program.bump)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert program.count == 3
        assert program.finished_at - began < 1.0, "the sleeper was woken while bump could run"

    with instrumented():
        chooser = FocusRoundRobin()
        run = run_schedule(
            count_while_napping, load_module(path), chooser, tracer=ProgramTracer(path)
        )
    assert run.error is None and not run.thread_errors, run.error
