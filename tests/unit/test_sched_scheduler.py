"""The controlled scheduler: replay, bounded DFS, virtual time, primitives under control."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.findings import FindingKind, Severity
from evaluator.scheduler import (
    Budget,
    Guided,
    RandomWalk,
    _seed,
    chooser_from_seed,
    explore,
    run_schedule,
)
from evaluator.scheduler._tracer import ProgramTracer, shared_names
from evaluator.spec import CheckContext, ScheduleCheck, expect

from ._sched_support import COUNTER, PROGRAMS, instrumented, load_module, two_deposits

PRIMITIVES = PROGRAMS / "primitives.py"


def test_seed_round_trip() -> None:
    for values in ([], [0], [1, 127, 128, 2**40]):
        assert _seed.unpack(_seed.pack(values)) == values
    deviations = {3: 1, 10: 2, 11: 0}
    tag, values = _seed.decode(_seed.encode_deviations(deviations))
    assert tag == _seed.TAG_GUIDED and _seed.decode_deviations(values) == deviations
    with pytest.raises(ValueError):
        chooser_from_seed(_seed.encode(_seed.TAG_ASYNC, [5]))


def test_shared_names_come_from_writes_outside_init() -> None:
    source = "class A:\n def __init__(self): self.x = 0\n def f(self): self.y += 1; self.d[k] = 2; self.items.append(3)\n"
    assert shared_names(source) == {"y", "d", "items"}


def test_the_file_analysis_is_shared_until_the_file_changes(tmp_path: Path) -> None:
    program = tmp_path / "bank.py"
    program.write_text("class A:\n    def add(self):\n        self.total = 1\n", encoding="utf-8")
    first, second = ProgramTracer(program), ProgramTracer(program)
    assert first.shared == second.shared == frozenset({"total"})
    assert first._code is second._code  # one grading's checks analyse the file once
    program.write_text("class A:\n    def add(self):\n        self.count = 1\n", encoding="utf-8")
    assert ProgramTracer(program).shared == frozenset({"count"})


def test_bound_zero_misses_a_one_preemption_bug_and_bound_one_finds_it() -> None:
    with instrumented():
        program = load_module(COUNTER)
        none = explore(
            two_deposits,
            program,
            program_path=COUNTER,
            seed=1,
            budget=Budget(
                max_schedules=10_000,
                max_seconds=60,
                preemption_bound=0,
                strategies=("dfs",),
                por=False,
            ),
        )
        assert none.failure is None and none.dfs_exhausted
        found = explore(
            two_deposits,
            program,
            program_path=COUNTER,
            seed=1,
            budget=Budget(
                max_schedules=10_000,
                max_seconds=60,
                preemption_bound=1,
                strategies=("dfs",),
                por=False,
            ),
        )
        assert found.failure is not None
        preemptions = sum(
            1 for d in found.failure.decisions if d.current is not None and d.chosen != d.current
        )
        assert preemptions == 1


@pytest.mark.parametrize("strategies", [("dfs",), ("random",), ("pct",)])
def test_replay_gives_identical_schedule_and_result(strategies: tuple[str, ...]) -> None:
    with instrumented():
        program = load_module(COUNTER)
        found = explore(
            two_deposits,
            program,
            program_path=COUNTER,
            seed=7,
            budget=Budget(max_schedules=2000, max_seconds=60, strategies=strategies, por=False),
        )
        assert found.failure is not None
        tracer = ProgramTracer(COUNTER)
        replays = [
            run_schedule(
                two_deposits, program, chooser_from_seed(found.failure.seed), tracer=tracer
            )
            for _ in range(2)
        ]
        for replay in replays:
            assert replay.decisions == found.failure.decisions
            assert str(replay.error) == str(found.failure.error)
            assert [(s.thread, s.action, s.value) for s in replay.accesses] == [
                (s.thread, s.action, s.value) for s in found.failure.accesses
            ]


def test_check_replay_reports_the_same_finding() -> None:
    with instrumented():
        program = load_module(COUNTER)
        check = ScheduleCheck("two deposits", two_deposits)
        ctx = CheckContext(
            seed=3, program_path=COUNTER, challenge_dir=PROGRAMS, solutions_dir=PROGRAMS
        )
        first = check.run(program, ctx)[0]
        ctx.replay = first.seed
        again = check.run(program, ctx)[0]
        assert (again.kind, again.title, again.evidence, again.seed) == (
            first.kind,
            first.title,
            first.evidence,
            first.seed,
        )
        assert any("update is lost" in line for line in first.evidence)


def run_default(fn_name: str):
    program = load_module(PRIMITIVES)
    box = {}

    def scenario(mod):
        box["value"] = getattr(mod, fn_name)()

    return run_schedule(scenario, program, Guided(), tracer=ProgramTracer(PRIMITIVES)), box


def test_time_is_virtual_under_the_scheduler() -> None:
    with instrumented():
        run, box = run_default("sleepers")
        assert run.outcome == "done"
        assert box["value"] == pytest.approx(10.0)
        assert run.virtual_ns == 10_000_000_000


def test_timed_acquire_times_out_in_virtual_time() -> None:
    with instrumented():
        run, box = run_default("timed_acquire")
        acquired, now = box["value"]
        assert now == pytest.approx(1000 + 1.5)  # the virtual monotonic clock starts at 1000 s
        assert acquired is False
        assert run.virtual_ns == 1_500_000_000


def test_a_timed_queue_get_times_out_in_virtual_time() -> None:
    """queue.Queue measures its timeout with the module's own clock binding: it must be the
    virtual one (with the real one, a 20 ms get looped on 20 ms virtual waits for 20 ms of real
    time, adding seconds of virtual time)."""
    with instrumented():
        run, box = run_default("timed_get")
    assert box["value"] == pytest.approx(0.02)
    assert run.virtual_ns == 20_000_000


def test_unobserved_set_up_shares_the_runs_virtual_clock() -> None:
    """A timestamp taken while a scenario fills a cache unobserved is compared with the run's
    virtual time: with the machine's real clock there, whether an entry looked expired depended
    on the machine's uptime (a reference TTL cache failed on a freshly booted machine)."""
    import queue
    import time

    from evaluator.scheduler import unobserved

    program = load_module(PRIMITIVES)
    box: dict[str, float] = {}

    def scenario(mod: object) -> None:
        with unobserved():
            stamped = time.monotonic()
            time.sleep(2.0)  # set-up may wait: the virtual clock moves, nothing runs meanwhile
            box["slept"] = time.monotonic() - stamped
            full = queue.Queue(maxsize=1)
            full.put(1)
            try:  # queue.put re-waits for "the rest" of its float deadline: it must end
                full.put(2, timeout=0.05)
            except queue.Full:
                box["timed_out"] = 1.0
            stamped += 0.05  # the age below is the 2 s slept
        box["age"] = time.monotonic() - stamped

    with instrumented():
        run = run_schedule(scenario, program, Guided(), tracer=ProgramTracer(PRIMITIVES))
    assert run.outcome == "done"
    assert box == {"slept": pytest.approx(2.0), "age": pytest.approx(2.0), "timed_out": 1.0}


def test_spinning_thread_does_not_starve_the_others() -> None:
    with instrumented():
        run, box = run_default("spin")
        assert run.outcome == "done" and box["value"] is True


def test_every_primitive_works_under_random_schedules() -> None:
    with instrumented():
        program = load_module(PRIMITIVES)
        tracer = ProgramTracer(PRIMITIVES)
        for rng_seed in range(15):
            box: dict[str, list[int]] = {}
            run = run_schedule(
                lambda m, box=box: box.setdefault("out", m.pipeline([1, 2, 3])),
                program,
                RandomWalk(rng_seed),
                tracer=tracer,
            )
            assert run.outcome == "done" and not run.failed, (rng_seed, run.outcome, run.error)
            assert box["out"] == [1, 2, 3]


def test_exception_in_a_thread_is_a_crash_with_program_lines() -> None:
    with instrumented():
        program = load_module(PRIMITIVES)
        ctx = CheckContext(
            seed=0,
            program_path=PRIMITIVES,
            challenge_dir=PROGRAMS,
            solutions_dir=PROGRAMS,
            quick=True,
        )
        findings = ScheduleCheck("crash", lambda m: m.crash()).run(program, ctx)
        crash = [f for f in findings if f.kind is FindingKind.CRASH]
        assert crash and crash[0].severity is Severity.FAIL
        assert "bomber raised KeyError" in crash[0].evidence[0]
        assert any(
            "primitives.py:" in line and "raise KeyError" in line for line in crash[0].evidence
        )


def test_inversion_in_runs_that_finish_is_only_a_warning() -> None:
    with instrumented():
        program = load_module(PRIMITIVES)
        ctx = CheckContext(
            seed=0,
            program_path=PRIMITIVES,
            challenge_dir=PROGRAMS,
            solutions_dir=PROGRAMS,
            quick=True,
        )
        findings = ScheduleCheck("ordered", lambda m: m.ordered_inversion()).run(program, ctx)
        assert [f.kind for f in findings] == [FindingKind.LOCK_ORDER]
        assert findings[0].severity is Severity.WARN
        assert any("while holding Lock a" in line for line in findings[0].evidence)


def test_thread_pool_and_timer_run_under_control() -> None:
    # wake_choices=False: the clock moves only when nobody can run, so the timer (due at 5 s) always
    # fires before the scenario's 10 s wait ends. With wake choices a schedule may legitimately
    # keep the timer thread "slow" past 10 s (the scenario then returns fired=False and ends
    # 'leftover'); which random seeds pick such a schedule depends on how many scheduling points
    # the pool's workers pass, and 3.13's ThreadPoolExecutor worker loop has other ones than 3.11's.
    with instrumented():
        program = load_module(PRIMITIVES)
        tracer = ProgramTracer(PRIMITIVES)
        for rng_seed in range(5):
            box: dict[str, tuple[int, bool, float]] = {}
            run = run_schedule(
                lambda m, box=box: box.setdefault("out", m.pool_and_timer()),
                program,
                RandomWalk(rng_seed),
                tracer=tracer,
                wake_choices=False,
            )
            assert run.outcome == "done" and not run.failed, (
                run.outcome,
                run.error,
                run.thread_errors,
            )
            total, fired, now = box["out"]
            assert (total, fired) == (6, True) and now == pytest.approx(1000 + 5)


def test_run_ends_when_only_daemon_threads_remain() -> None:
    with instrumented():
        run, box = run_default("daemon_heartbeat")
        assert run.outcome == "leftover" and not run.failed
        assert box["value"] == 3
        assert run.steps < 1000


def test_violation_raised_in_a_helper_thread_keeps_its_kind() -> None:
    def scenario(program):
        import threading

        account = program.Account()

        def check_in_thread() -> None:
            account.deposit(1)
            expect(account.balance == 0, "helper saw a non-zero balance")

        t = threading.Thread(target=check_in_thread)
        t.start()
        t.join()

    with instrumented():
        program = load_module(COUNTER)
        ctx = CheckContext(
            seed=0, program_path=COUNTER, challenge_dir=PROGRAMS, solutions_dir=PROGRAMS, quick=True
        )
        [finding] = ScheduleCheck("helper", scenario, kind=FindingKind.INVARIANT).run(program, ctx)
        assert (
            finding.kind is FindingKind.INVARIANT
            and finding.title == "helper saw a non-zero balance"
        )


_REPLAY_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from unit._sched_support import grade, instrumented
with instrumented():
    findings = grade(sys.argv[2], "bug", 0, replay=int(sys.argv[3]) if len(sys.argv) > 3 else None)
print(json.dumps([f.to_json() for f in findings if f.severity.value == "fail"][0]))
"""


@pytest.mark.parametrize("case", ["cta_singleton", "deadlock_transfer"])
def test_replay_in_a_fresh_process_reproduces_the_evidence(case: str) -> None:
    import json
    import subprocess
    import sys

    tests_dir = str(Path(__file__).resolve().parent.parent)

    def run(*extra: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", _REPLAY_SCRIPT, tests_dir, case, *extra],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    again = run(str(first["seed"]))
    assert (again["kind"], again["title"], again["evidence"]) == (
        first["kind"],
        first["title"],
        first["evidence"],
    )
    if case.startswith("deadlock"):
        assert any(
            "opposite" in line for line in again["evidence"]
        )  # lockdep edges from the one run


def test_drop_ins_keep_standard_semantics_in_both_modes() -> None:
    with instrumented():
        program = load_module(PRIMITIVES)
        assert program.api_battery() == program.API_EXPECTED  # passthrough: real (short) waits
        run, box = run_default("api_battery")
        assert run.outcome == "done" and not run.failed, (run.error, run.thread_errors)
        assert box["value"] == program.API_EXPECTED


def test_a_block_the_scheduler_cannot_see_ends_the_run_without_a_failure() -> None:
    with instrumented():
        program = load_module(PRIMITIVES)
        tracer = ProgramTracer(PRIMITIVES)
        outcomes = set()
        for rng_seed in range(
            6
        ):  # some schedules switch threads inside the hidden critical section
            run = run_schedule(
                lambda m: m.uncontrolled_block(),
                program,
                RandomWalk(rng_seed),
                tracer=tracer,
                stuck_seconds=0.3,
            )
            assert not run.failed
            outcomes.add(run.outcome)
        assert "stuck" in outcomes


def test_an_event_loop_in_a_thread_waits_where_the_scheduler_sees_it() -> None:
    """``asyncio.run`` inside a managed thread, its blocking work in ``asyncio.to_thread``: the loop
    waits in its selector for a worker to wake it. That wait is a scheduling point on the virtual
    clock (it was a real ``epoll_wait`` nobody could end: the run got stuck)."""
    import asyncio
    import threading
    import time

    program = load_module(PRIMITIVES)
    box: dict[str, object] = {}

    def scenario(mod: object) -> None:
        async def gather() -> list[float]:
            def slow(n: int) -> float:
                time.sleep(0.5 * n)
                return time.monotonic()

            return list(await asyncio.gather(*(asyncio.to_thread(slow, n) for n in (1, 2))))

        def drive() -> None:
            started = time.monotonic()
            finished = asyncio.run(gather())
            box["after"] = [round(t - started, 3) for t in finished]

        loop_thread = threading.Thread(target=drive, name="loop")
        loop_thread.start()
        loop_thread.join()

    with instrumented():
        run = run_schedule(scenario, program, Guided(), tracer=ProgramTracer(PRIMITIVES))
    assert run.outcome == "done"
    assert box["after"] == [0.5, 1.0]  # the two sleeps overlapped, on the virtual clock
