"""The grader judges fixes, not only bugs: contracts, virtual time, lost updates, timing evidence."""

from __future__ import annotations

import hmac
import textwrap
import types
from pathlib import Path

import pytest

from evaluator import instrument
from evaluator.contracts import outcome_of, serial_explanation
from evaluator.loader import load_program
from evaluator.spec import CheckContext, PerformanceCheck, ScheduleCheck, TimingCheck, expect


@pytest.fixture(autouse=True)
def _instrumented() -> object:
    installed = instrument.installed()
    instrument.install()
    yield
    if not installed:
        instrument.uninstall()


def _program(tmp_path: Path, source: str, name: str = "program") -> types.ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return load_program(path, name=f"{name}_{abs(hash(str(tmp_path)))}")


def _ctx(tmp_path: Path, seed: int = 1) -> CheckContext:
    return CheckContext(
        seed=seed,
        program_path=tmp_path / "program.py",
        challenge_dir=tmp_path,
        solutions_dir=tmp_path,
    )


def test_serial_explanation_finds_an_order_or_none() -> None:
    def step(balance: int, amount: int) -> tuple[int, object]:
        return (
            (balance - amount, ("ok", None))
            if balance >= amount
            else (balance, ("raised", "Refused"))
        )

    ops = [10, 10]
    assert serial_explanation(10, ops, [("ok", None), ("raised", "Refused")], 0, step) == (0, 1)
    assert (
        serial_explanation(10, ops, [("ok", None), ("ok", None)], -10, step) is None
    )  # both passed the check
    assert (
        serial_explanation(10, ops, [("ok", None), ("ok", None)], 0, step) is None
    )  # one was skipped silently
    assert outcome_of(lambda: 1 / 0) == ("raised", "ZeroDivisionError")


BANK = """
    import threading, time, random

    class Bank:
        def __init__(self):
            self.balance = 10
            self.lock = threading.Lock()

        def withdraw(self, amount):
            time.sleep(random.random() / 1000)   # "jitter" instead of a lock
            if self.balance >= amount:
                self.balance -= amount
                return True
            return False
"""


def _two_withdrawals(mod: types.ModuleType) -> None:
    bank = mod.Bank()
    results: list[bool] = []
    threads = [
        mod.threading.Thread(target=lambda: results.append(bank.withdraw(10))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(
        bank.balance >= 0 and results.count(True) <= 1,
        f"overdrawn: balance {bank.balance}, {results}",
    )


def test_a_random_sleep_does_not_hide_a_race_from_the_scheduler(tmp_path: Path) -> None:
    """Sleeping threads wake at their deadline while others can still run: jitter is explored."""
    from evaluator.checks.schedule import run_schedule_check

    mod = _program(tmp_path, BANK)
    findings = run_schedule_check(
        ScheduleCheck("two withdrawals", _two_withdrawals, max_schedules=120), mod, _ctx(tmp_path)
    )
    assert findings and findings[0].severity.value == "fail"


def test_the_same_seed_gives_the_same_findings(tmp_path: Path) -> None:
    from evaluator.checks.schedule import run_schedule_check

    mod = _program(tmp_path, BANK)
    check = ScheduleCheck("two withdrawals", _two_withdrawals, max_schedules=120)
    first = run_schedule_check(check, mod, _ctx(tmp_path, seed=7))
    again = run_schedule_check(check, mod, _ctx(tmp_path, seed=7))
    assert [(f.title, f.evidence, f.seed) for f in first] == [
        (f.title, f.evidence, f.seed) for f in again
    ]
    assert all(f.seed == 7 for f in first)


def test_a_lost_counter_update_is_a_race_even_when_nothing_else_breaks(tmp_path: Path) -> None:
    from evaluator.checks.schedule import run_schedule_check

    mod = _program(
        tmp_path,
        """
        import threading

        class Counter:
            def __init__(self):
                self.pending = 0

            def add(self):
                self.pending += 1
    """,
    )

    def scenario(program: types.ModuleType) -> None:
        counter = program.Counter()
        threads = [program.threading.Thread(target=counter.add) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    [finding] = run_schedule_check(
        ScheduleCheck("adds", scenario, max_schedules=60), mod, _ctx(tmp_path)
    )
    assert finding.kind.value == "race" and "lost" in finding.title
    assert any("pending" in line for line in finding.evidence)


SERIAL_PAYMENTS = """
    import threading, time

    class Shop:
        def __init__(self, locked):
            self.lock = threading.Lock()
            self.locked = locked

        def pay(self):
            if self.locked:
                with self.lock:
                    time.sleep(0.01)
            else:
                time.sleep(0.01)
"""


def _eight_payments(mod: types.ModuleType) -> None:
    shop = mod.Shop(getattr(mod, "LOCKED", False))
    threads = [mod.threading.Thread(target=shop.pay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_serialized_waits_fail_on_virtual_time_with_figures(tmp_path: Path) -> None:
    from evaluator.checks.performance import run_performance_check

    (tmp_path / "reference.py").write_text(textwrap.dedent(SERIAL_PAYMENTS), encoding="utf-8")
    mod = _program(tmp_path, textwrap.dedent(SERIAL_PAYMENTS) + "\nLOCKED = True\n")
    findings = run_performance_check(
        PerformanceCheck("payments", _eight_payments, reference="reference"), mod, _ctx(tmp_path)
    )
    kinds = {f.kind.value for f in findings}
    assert "serialized" in kinds and "lock-held-during-io" in kinds
    serialized = next(f for f in findings if f.kind.value == "serialized")
    assert any("80.0 ms of virtual time" in line for line in serialized.evidence)
    assert any("10.0 ms of virtual time" in line for line in serialized.evidence)


def test_captured_clocks_and_clock_gettime_follow_the_override(tmp_path: Path) -> None:
    import time

    from evaluator.instrument import _time

    mod = _program(
        tmp_path,
        """
        import time

        def elapsed(start, clock=time.monotonic):
            return clock() - start

        def raw():
            return time.clock_gettime(time.CLOCK_MONOTONIC)
    """,
    )

    class Fixed:
        def monotonic_ns(self) -> int:
            return 5_000_000_000

        def time_ns(self) -> int:
            return 0

        def sleep(self, seconds: float) -> None:
            pass

    _time.override = Fixed()
    try:
        assert mod.elapsed(1.0) == 4.0
        assert mod.raw() == 5.0
        assert time.monotonic() == 5.0
    finally:
        _time.override = None


def test_timed_waits_follow_the_override_clock(tmp_path: Path) -> None:
    """A check's virtual clock (challenge 4) also times Condition/Event waits: a wait nobody ends
    lasts its timeout on that clock, at once, instead of blocking in real time."""
    import threading

    from evaluator.instrument import _time

    class Virtual:
        def __init__(self) -> None:
            self.ns = 1_000_000_000_000

        def monotonic_ns(self) -> int:
            return self.ns

        def time_ns(self) -> int:
            return self.ns

        def sleep(self, seconds: float) -> None:
            self.ns += int(seconds * 1e9)

    clock = Virtual()
    _time.override = clock
    try:
        condition, event = threading.Condition(), threading.Event()  # instrumented (the fixture)
        with condition:
            assert condition.wait_for(lambda: False, timeout=30.0) is False
        assert event.wait(timeout=30.0) is False
    finally:
        _time.override = None
    assert clock.ns >= 1_000_000_000_000 + 60_000_000_000


EARLY_EXIT = """
    def tokens_match(expected, presented):
        if len(expected) != len(presented):
            return False
        for a, b in zip(expected, presented):
            if a != b:
                return False
        return True

    def check(expected, presented):
        return tokens_match(expected, presented)
"""


@pytest.mark.parametrize(
    ("source", "leaks"),
    [
        (EARLY_EXIT, True),
        ("def check(expected, presented):\n    return expected == presented\n", True),
        (
            "import hmac\ndef check(expected, presented):\n"
            "    return hmac.compare_digest(expected.encode(), presented.encode())\n",
            False,
        ),
    ],
)
def test_timing_evidence_is_deterministic(tmp_path: Path, source: str, leaks: bool) -> None:
    from evaluator.checks.timing import run_timing_check, secret_text

    mod = _program(tmp_path, source)

    def make_compare(program: types.ModuleType, secret: bytes):
        expected = secret_text(secret.hex())
        return lambda guess: program.check(expected, guess.hex())

    findings = run_timing_check(TimingCheck("compare", make_compare), mod, _ctx(tmp_path))
    assert bool(findings) is leaks
    assert hmac.compare_digest(b"a", b"a")


def test_live_threads_sees_workers_alive_right_after_close(tmp_path: Path) -> None:
    from evaluator.checks.schedule import run_schedule_check
    from evaluator.scheduler import live_threads

    mod = _program(
        tmp_path,
        """
        import queue, threading

        class Pool:
            def __init__(self):
                self.jobs = queue.Queue()
                self.thread = threading.Thread(target=self.jobs.get, name="worker")
                self.thread.start()

            def close(self, join):
                self.jobs.put(None)
                if join:
                    self.thread.join()
    """,
    )

    def scenario(program: types.ModuleType, join: bool) -> None:
        pool = program.Pool()
        pool.close(join)
        alive = live_threads()
        expect(not alive, f"still alive: {alive}")

    joined = ScheduleCheck("joined", lambda m: scenario(m, True), max_schedules=20)
    not_joined = ScheduleCheck("not joined", lambda m: scenario(m, False), max_schedules=20)
    assert run_schedule_check(joined, mod, _ctx(tmp_path)) == []
    assert run_schedule_check(not_joined, mod, _ctx(tmp_path))[0].title == "still alive: ['worker']"
