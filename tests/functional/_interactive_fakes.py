"""Seeded fake data for the TUI tests: services, a grade result and a scripted visualizer run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from evaluator.events import Event, EventKind
from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from evaluator.state import Fold, VisSnapshot
from interactive.quiz import MemoryProgress, Question, QuestionKind, QuizOutcome
from interactive.services import (
    AchievementView,
    ChallengeView,
    DashboardView,
    GradeReport,
    Services,
)
from usererror import UserError

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

QUESTIONS = (
    Question(
        "f-one",
        "asyncio",
        QuestionKind.CHOICE,
        "What does asyncio.gather return?",
        ("Results in completion order", "Results in argument order"),
        1,
        "gather keeps the order of the awaitables it was given.",
    ),
    Question(
        "f-two",
        "locks-deadlock",
        QuestionKind.OUTPUT,
        "What does this print?",
        ("True", "False"),
        1,
        "The lock is held, so a non-blocking acquire fails.",
        code="import threading\nlock = threading.Lock()\nlock.acquire()\nprint(lock.acquire(False))",
        runnable=True,
    ),
)


def challenge_views(tmp: Path) -> tuple[ChallengeView, ...]:
    story = tmp / "README.md"
    story.write_text(
        "# The bank that froze\n\nTwo tellers, two locks, one **deadlock**.\n", encoding="utf-8"
    )
    return tuple(
        ChallengeView(
            n,
            title,
            f"summary {n}",
            n,
            ("locks",),
            story,
            Path("workspace") / f"challenge{n:02d}" / "program.py",
        )
        for n, title in ((1, "The bank that froze"), (2, "Lost updates"), (3, "The leaky pool"))
    )


def grade_result(passed: bool = False) -> GradeResult:
    findings = (
        ()
        if passed
        else (
            Finding(
                FindingKind.DEADLOCK,
                Severity.FAIL,
                "teller-1 and teller-2 wait for each other",
                evidence=(
                    "teller-1 holds lock_a, waits for lock_b (program.py:14)",
                    "teller-2 holds lock_b, waits for lock_a (program.py:21)",
                ),
                hint="Take the two locks in one global order.",
                location="program.py:14",
                seed=42,
            ),
        )
    )
    return GradeResult(1, passed, findings, (CheckOutcome("deadlock", passed, 0.4, 12),), 1.2, 7)


class FakeGrader:
    """Blocks until released, so tests can prove the UI stays responsive while grading."""

    def __init__(self, passed: bool = False, *, block: bool = False) -> None:
        self.release = threading.Event()
        if not block:
            self.release.set()
        self.passed = passed
        self.calls = 0

    def __call__(self, challenge: ChallengeView) -> GradeReport:
        self.calls += 1
        self.release.wait(timeout=30)
        outcome = QuizOutcome(
            xp_gained=50,
            total_xp=170,
            level_before=1,
            level_after=2,
            new_achievements=(AchievementView("First blood", "🩸"),),
        )
        return GradeReport(grade_result(self.passed), outcome if self.passed else None)


def services(tmp: Path, grader: FakeGrader | None = None) -> Services:
    view = DashboardView(
        profile="ada",
        xp=120,
        level=2,
        level_name="Apprentice",
        next_level_name="Journeyman",
        xp_into_level=20,
        xp_level_span=150,
        streak_days=3,
        daily_challenge=2,
        daily_text="Fix it without a global lock.",
        statuses={1: "passed", 2: "attempted"},
        achievements=(AchievementView("First blood", "🩸", NOW),),
    )
    challenges = challenge_views(tmp)
    return Services(
        dashboard=lambda: view,
        challenges=lambda: challenges,
        grade=grader or FakeGrader(),
        quiz_bank=lambda: QUESTIONS,
        quiz_progress=MemoryProgress(clock=lambda: NOW),
        examples=lambda: ((1, "Threads and the GIL"), (2, "Locks")),
        hint=lambda n: f"Hint 1 of 3 for challenge {n}: which lock is taken first?",
        run=lambda n: f"challenge {n} hung: teller-1 waits for lock_b",
        solutions=_solutions,
        reset=lambda n: f"restored the original; your copy is saved at program.py.bak-{n}",
    )


def _solutions(number: int) -> str:
    if number != 1:  # only challenge 1 is passed in these fakes
        raise UserError(
            f"solutions of challenge {number} open after you pass it: press g to grade, h for a hint"
        )
    return "global_order.py: take the locks in one global order"


def deadlock_events(threads: int = 4, rounds: int = 3) -> list[Event]:
    """A seeded history: workers contend on a lock and a queue, then two of them deadlock."""
    events: list[Event] = []
    ts = 1_000_000

    def emit(kind: EventKind, actor: int, obj: str | None = None, value: int | None = None) -> None:
        nonlocal ts
        ts += 250_000
        events.append(
            Event(len(events), ts, kind, f"worker-{actor}", 100 + actor, obj, value, "program.py:9")
        )

    for actor in range(threads):
        emit(EventKind.THREAD_START, actor)
    for round_ in range(rounds):
        for actor in range(threads):
            emit(EventKind.LOCK_WAIT, actor, "lock_a")
            emit(EventKind.LOCK_ACQUIRE, actor, "lock_a")
            emit(EventKind.QUEUE_PUT, actor, "jobs", value=round_ * threads + actor + 1)
            emit(EventKind.LOCK_RELEASE, actor, "lock_a")
    for actor in range(2, threads):
        emit(EventKind.THREAD_END, actor)
    emit(EventKind.LOCK_ACQUIRE, 0, "lock_a")
    emit(EventKind.LOCK_ACQUIRE, 1, "lock_b")
    emit(EventKind.LOCK_WAIT, 0, "lock_b")
    emit(EventKind.LOCK_WAIT, 1, "lock_a")
    for index, memory in enumerate((10, 12, 13, 15, 18, 18, 19, 21)):
        events.append(
            Event(len(events), ts + index, EventKind.MEMORY, "sampler", 0, None, memory * 2**20)
        )
    return events


class FakeRun:
    """A finished run replaying a fixed event list (no child process)."""

    def __init__(self, seed: int, events: list[Event] | None = None) -> None:
        self.seed = seed
        self.killed = False
        self.returncode: int | None = 0
        self.events = events if events is not None else deadlock_events()
        self.fold = Fold()
        for event in self.events:
            self.fold.apply(event)
        self.stopped = False

    @property
    def finished(self) -> bool:
        return True

    def snapshot(self) -> VisSnapshot:
        return self.fold.snapshot()

    def recorded(self) -> tuple[Event, ...]:
        return tuple(self.events)

    def errors(self, lines: int = 6) -> str:
        return ""

    def stop(self) -> None:
        self.stopped = True
