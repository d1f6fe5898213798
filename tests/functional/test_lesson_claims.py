"""The lessons' load-bearing demonstrations do what the lesson text says they do."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from examples import ex01_threads_join_locks as ex01
from examples import ex09_circuit_breaker as ex09
from examples._lesson import HELD, NOT_HERE, TIE, Spread, lesson_copy, lower

RUNS = 10


def test_lesson1_seeded_configuration_loses_updates_in_every_run() -> None:
    lost = [ex01.lost_updates(ex01.LOSING) for _ in range(RUNS)]
    assert all(n > 0 for n in lost), f"a run lost nothing: {lost}"


def test_lesson1_lock_loses_nothing_in_the_same_configuration() -> None:
    assert ex01.lost_updates(ex01.LOSING, threading.Lock()) == 0


def test_lesson1_restores_the_switch_interval() -> None:
    import sys

    before = sys.getswitchinterval()
    ex01.lost_updates(ex01.CONFIGS[1])
    assert sys.getswitchinterval() == before


def _breaker() -> tuple[ex09.CircuitBreaker, ex09.FakeClock, list[tuple[ex09.State, ex09.State]]]:
    clock = ex09.FakeClock()
    moves: list[tuple[ex09.State, ex09.State]] = []
    breaker = ex09.CircuitBreaker(
        3, 1.0, clock=clock, on_transition=lambda a, b: moves.append((a, b))
    )
    return breaker, clock, moves


def test_lesson9_breaker_survives_a_cancelled_trial() -> None:
    breaker, clock, _ = _breaker()
    steps = asyncio.run(ex09.cancelled_trial(breaker, clock))
    assert "cancelled" in steps[0]
    assert breaker.state is ex09.State.CLOSED, steps


def test_lesson9_cancelled_trial_leaves_half_open_with_a_free_slot() -> None:
    breaker, clock, _ = _breaker()

    async def scenario() -> None:
        for _ in range(3):
            breaker.allow()
            breaker.record_failure()
        clock.now += 1.0
        started = asyncio.Event()

        async def hang() -> None:
            started.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(breaker.acall(hang))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert breaker.state is ex09.State.HALF_OPEN
    breaker.allow()  # the slot is free: a new trial is admitted, not rejected


def test_lesson9_breaker_survives_an_unexpectedly_failing_trial() -> None:
    breaker, clock, moves = _breaker()
    steps = ex09.unexpected_trial_error(breaker, clock)
    assert "ValueError" in steps[0]
    assert breaker.state is ex09.State.CLOSED, steps
    assert (ex09.State.HALF_OPEN, ex09.State.OPEN) in moves


def test_lesson9_callbacks_run_outside_the_lock() -> None:
    clock = ex09.FakeClock()
    held: list[bool] = []
    breaker: ex09.CircuitBreaker
    breaker = ex09.CircuitBreaker(
        1, 1.0, clock=clock, on_transition=lambda a, b: held.append(breaker._lock.locked())
    )
    breaker.allow()
    breaker.record_failure()
    clock.now += 1.0
    breaker.call(lambda: "ok")
    assert held == [False, False, False]


def test_verdicts_come_from_the_numbers() -> None:
    assert lower(Spread.of([1, 2]), Spread.of([3, 4])) == HELD
    assert lower(Spread.of([1, 3]), Spread.of([2, 4])) == TIE
    assert lower(Spread.of([4, 5]), Spread.of([1, 4])) == NOT_HERE


def test_lesson_copy_goes_to_the_workspace_once(tmp_path: Path) -> None:
    from learner.workspace import workspace_dir

    folder = workspace_dir() / "lessons"  # what learner.lessons.run_lesson gives the lesson
    copy, created = lesson_copy(Path(ex01.__file__), folder)
    assert created and copy.read_text() == Path(ex01.__file__).read_text()
    copy.write_text("# my edit\n")
    again, created_again = lesson_copy(Path(ex01.__file__), folder)
    assert again == copy and not created_again and copy.read_text() == "# my edit\n"
    assert str(copy).startswith(str(tmp_path)), (
        "the copy lives in LEARN_WORKSPACE, not the checkout"
    )


def test_a_viewing_run_makes_no_lesson_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Watching a lesson (`learn visualize`, `learn trace`) writes nothing: "try next" still names
    the edit and the challenge, but no copy is made or promised."""
    import io

    from rich.console import Console

    import examples._lesson as lesson

    def no_copy(source: Path, folder: Path) -> tuple[Path, bool]:
        raise AssertionError("a viewing run must not copy the lesson")

    monkeypatch.setattr(lesson, "COPIES_TO", lambda: Path("/nowhere"))  # as if run for a learner
    monkeypatch.setattr(lesson, "VIEWING", True)
    monkeypatch.setattr(lesson, "lesson_copy", no_copy)
    out = io.StringIO()
    lesson.try_next(
        Console(file=out, width=100),
        ex01.__file__,
        "take the lock in adder()",
        [(2, "lost updates")],
    )
    text = out.getvalue()
    assert (
        "take the lock in adder()" in text
        and "learn challenge 2" in text
        and "Your copy" not in text
    )
