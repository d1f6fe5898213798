"""Grader fixes found by grading challenges 1-8 end to end."""

from __future__ import annotations

import types
from pathlib import Path

from evaluator.checks.memory import run_memory_check
from evaluator.detectors.held_locks import find_locks_held_during_io
from evaluator.events import Event, EventKind, EventLog, event_log
from evaluator.spec import CheckContext, MemoryCheck


def test_a_paused_event_log_records_nothing_and_pauses_nest() -> None:
    log = EventLog()
    with log.paused():
        with log.paused():
            assert log.emit(EventKind.MARK, "main", 1) is None
        assert log.emit(EventKind.MARK, "main", 1) is None
    assert log.emit(EventKind.MARK, "main", 1) is not None
    assert [e.kind for e in log] == [EventKind.MARK]


def test_the_memory_check_does_not_mistake_the_event_log_for_a_leak(tmp_path: Path) -> None:
    """Instrumented locks emit events in every round; the ring buffer must not look like a leak."""

    def busy_round(_program: types.ModuleType, _round: int) -> None:
        for _ in range(2_000):  # ~the events a few hundred requests of a locked service emit
            event_log.emit(
                EventKind.LOCK_ACQUIRE, "worker", 1, obj="cache_lock", location="program.py:12"
            )

    check = MemoryCheck("flat", busy_round, warmup_rounds=1, rounds=4, min_growth_bytes=16 * 1024)
    ctx = CheckContext(
        seed=1, program_path=tmp_path / "program.py", challenge_dir=tmp_path, solutions_dir=tmp_path
    )
    assert run_memory_check(check, types.ModuleType("program"), ctx) == []


def _ev(seq: int, ms: int, kind: EventKind, actor: str, obj: str | None = None) -> Event:
    return Event(
        seq,
        ms * 1_000_000,
        kind,
        actor,
        seq,
        obj,
        None,
        "program.py:31" if obj is None else None,
        None,
    )


def test_one_lock_held_across_sleeps_by_many_threads_is_one_finding() -> None:
    stream = []
    for n, (holder, waiter) in enumerate((("w1", "w2"), ("w2", "w3"), ("w3", "w1"))):
        t, seq = 20 * n, 10 * n
        stream += [
            _ev(seq, t, EventKind.LOCK_ACQUIRE, holder, "crawler.lock"),
            _ev(seq + 1, t + 1, EventKind.SLEEP_START, holder),
            _ev(seq + 2, t + 2, EventKind.LOCK_WAIT, waiter, "crawler.lock"),
            _ev(seq + 3, t + 10, EventKind.SLEEP_END, holder),
            _ev(seq + 4, t + 11, EventKind.LOCK_RELEASE, holder, "crawler.lock"),
            _ev(seq + 5, t + 12, EventKind.LOCK_ACQUIRE, waiter, "crawler.lock"),
            _ev(seq + 6, t + 13, EventKind.LOCK_RELEASE, waiter, "crawler.lock"),
        ]
    [finding] = find_locks_held_during_io(stream)
    assert sorted(finding.data["holders"]) == ["w1", "w2", "w3"]
    assert finding.data["wait_ns"] == 3 * 8_000_000
    assert "and 2 other thread(s)" in finding.title
    assert finding.evidence[-1].startswith("meanwhile w1, w2, w3 waited 24.0 ms")


def test_a_hang_shows_the_learners_frames_and_where_each_thread_is_blocked() -> None:
    from evaluator import stacks

    def frame(file: str, line: int, func: str) -> dict[str, object]:
        return {"file": file, "line": line, "func": func, "code": f"line {line}"}

    grader = stacks._GRADER_DIR + "instrument/_locks.py"
    data = {
        "threads": [
            {
                "name": "worker",
                "frames": [
                    frame("/usr/lib/python3.11/threading.py", 1002, "_bootstrap"),
                    frame("/tmp/x/program.py", 42, "transfer"),
                    frame(grader, 79, "_take"),
                ],
            },
            {
                "name": "MainThread",
                "frames": [
                    frame("/tmp/x/program.py", 83, "settle"),
                    frame("/usr/lib/python3.11/threading.py", 1139, "_wait_for_tstate_lock"),
                ],
            },
        ]
    }
    shown = stacks.format_stacks(data, ["program.py"])
    assert shown.splitlines() == [
        "thread 'worker':",
        "  program.py:42 in transfer",
        "      line 42",
        "thread 'MainThread':",
        "  program.py:83 in settle",
        "      line 83",
        "  threading.py:1139 in _wait_for_tstate_lock",
        "      line 1139",
    ]
    assert "_bootstrap" in stacks.format_stacks(data)  # the full dump keeps every frame


def test_a_leaked_file_is_named_once(tmp_path: Path) -> None:
    from evaluator.checks.leaks import run_leak_check
    from evaluator.spec import LeakCheck

    kept: list[object] = []

    def scenario(_program: types.ModuleType) -> None:
        kept.append((tmp_path / "report.csv").open("w", encoding="utf-8"))

    ctx = CheckContext(
        seed=1, program_path=tmp_path / "program.py", challenge_dir=tmp_path, solutions_dir=tmp_path
    )
    try:
        [finding] = run_leak_check(
            LeakCheck("fds", scenario, kinds=("fds",), grace_seconds=0), types.ModuleType("p"), ctx
        )
    finally:
        for handle in kept:
            handle.close()  # type: ignore[attr-defined]
    [line] = finding.evidence
    assert line.count("report.csv") == 1 and "(TextIOWrapper)" in line


def test_cpu_time_alone_is_never_a_performance_failure(tmp_path: Path) -> None:
    """Wall-clock slowness is noise on a shared machine: the virtual-time profile ignores CPU work."""
    from evaluator.checks.performance import run_performance_check
    from evaluator.spec import PerformanceCheck

    (tmp_path / "fast.py").write_text(
        "def work():\n    return sum(range(1_000))\n", encoding="utf-8"
    )
    slow = types.ModuleType("slow")
    slow.work = lambda: sum(range(400_000))  # type: ignore[attr-defined]
    check = PerformanceCheck(
        "speed", lambda mod: mod.work(), reference="fast", max_ratio=3.0, repeats=1
    )
    ctx = CheckContext(
        seed=1, program_path=tmp_path / "program.py", challenge_dir=tmp_path, solutions_dir=tmp_path
    )
    assert run_performance_check(check, slow, ctx) == []


def test_a_full_bounded_cache_adding_a_few_bytes_a_round_is_not_a_leak() -> None:
    from evaluator.checks.memory import grows_every_round

    filling_then_full = [0, 43_000, 43_100, 43_150, 43_190]  # one resize, then allocator noise
    assert not grows_every_round(filling_then_full, min_total=28_000)
    assert grows_every_round([0, 23_000, 45_000, 68_000, 90_000], min_total=28_000)
