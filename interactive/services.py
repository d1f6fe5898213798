"""What the TUI needs from the rest of the product, as plain data and callables.

Screens never import ``tracker``, ``challenges`` or ``evaluator`` directly: they receive a
:class:`Services` bundle. :func:`default_services` wires the real packages; tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from evaluator.findings import GradeResult
from interactive.quiz import MemoryProgress, Question, QuizProgress, default_progress, load_bank
from usererror import UserError

__all__ = [
    "AchievementView",
    "ChallengeView",
    "DashboardView",
    "GradeReport",
    "Services",
    "dashboard_from_tracker",
    "default_services",
]


@dataclass(frozen=True)
class AchievementView:
    """An unlocked achievement as the dashboard shows it."""

    name: str
    icon: str = "🏅"
    unlocked_at: datetime | None = None


@dataclass(frozen=True)
class DashboardView:
    """Everything the dashboard draws, already computed."""

    profile: str = "learner"
    xp: int = 0
    level: int = 1
    level_name: str = ""
    next_level_name: str | None = None
    xp_into_level: int = 0
    xp_level_span: int = 100
    streak_days: int = 0
    daily_challenge: int | None = None
    daily_text: str = ""
    daily_done: bool = False
    statuses: dict[int, str] = field(default_factory=dict)
    """Challenge number -> "new" | "attempted" | "passed"."""
    achievements: tuple[AchievementView, ...] = ()
    """Most recent first."""
    tracking: bool = True
    """False when progress tracking is not installed (the dashboard says so)."""

    def next_step(self, challenge_numbers: tuple[int, ...]) -> str:
        """One sentence: what to do next."""
        if self.daily_challenge is not None and not self.daily_done:
            return f"Today's daily challenge: challenge {self.daily_challenge} (press c)."
        for number in challenge_numbers:
            if self.statuses.get(number, "new") != "passed":
                verb = "Keep going on" if self.statuses.get(number) == "attempted" else "Start"
                return f"{verb} challenge {number} (press c)."
        if challenge_numbers:
            return "Every challenge is passed: sharpen your knowledge with the quiz (press q)."
        return "Take the quiz (press q), or watch a lesson run live (press v)."


@dataclass(frozen=True)
class ChallengeView:
    """One challenge in the browser."""

    number: int
    title: str
    summary: str
    difficulty: int
    concepts: tuple[str, ...]
    story_path: Path
    program_path: Path
    """The learner's working copy (what gets graded)."""


@dataclass(frozen=True)
class GradeReport:
    """A grading and what the tracker made of it (None when it was not recorded)."""

    result: GradeResult
    outcome: Any | None = None


Grader = Callable[[ChallengeView], GradeReport]


@dataclass
class Services:
    """The TUI's window on the product."""

    dashboard: Callable[[], DashboardView]
    challenges: Callable[[], tuple[ChallengeView, ...]]
    grade: Grader
    quiz_bank: Callable[[], tuple[Question, ...]] = load_bank
    quiz_progress: QuizProgress = field(default_factory=MemoryProgress)
    examples: Callable[[], tuple[tuple[int, str], ...]] = lambda: ()
    """(number, title) of the lessons the visualizer can run."""


def dashboard_from_tracker(snapshot: Any) -> DashboardView:
    """Adapt ``tracker.ProgressSnapshot`` (levels, achievements, daily) to a :class:`DashboardView`."""
    unlocked = sorted(
        (a for a in snapshot.achievements if a.unlocked_at is not None),
        key=lambda a: a.unlocked_at,
        reverse=True,
    )
    daily = snapshot.daily
    return DashboardView(
        profile=snapshot.profile,
        xp=snapshot.xp,
        level=snapshot.level.number,
        level_name=snapshot.level.name,
        next_level_name=snapshot.next_level.name if snapshot.next_level else None,
        xp_into_level=snapshot.xp_into_level,
        xp_level_span=max(1, snapshot.xp_level_span),
        streak_days=snapshot.streak_days,
        daily_challenge=daily.challenge if daily else None,
        daily_text=getattr(daily, "twist_text", "") if daily else "",
        daily_done=snapshot.daily_done,
        statuses={c.number: c.status for c in snapshot.challenges},
        achievements=tuple(
            AchievementView(a.achievement.name, a.achievement.icon, a.unlocked_at) for a in unlocked
        ),
    )


def _tracker_dashboard() -> DashboardView:
    try:
        import tracker

        snapshot = tracker.progress_snapshot()
    except (ImportError, AttributeError):
        return DashboardView(tracking=False)
    return dashboard_from_tracker(snapshot)


def _challenge_views() -> tuple[ChallengeView, ...]:
    from challenges import all_challenges

    views = []
    for challenge in all_challenges():
        spec = challenge.spec
        views.append(
            ChallengeView(
                number=challenge.number,
                title=spec.title,
                summary=spec.summary,
                difficulty=spec.difficulty,
                concepts=tuple(spec.concepts),
                story_path=challenge.readme_path,
                program_path=_working_copy(challenge.number, challenge.program_path),
            )
        )
    return tuple(views)


def _working_copy(number: int, original: Path) -> Path:
    """The learner's workspace copy, or the original before it exists (opening the app writes nothing)."""
    try:
        from challenges.workspace import existing_copy
    except ImportError:
        return original
    return existing_copy(number) or original


def _grade(challenge: ChallengeView) -> GradeReport:
    """Grade through the challenge loop (which also records the attempt), else the bare grader."""
    try:
        from challenges.loop import check
    except ImportError:
        try:
            from evaluator import grade
        except ImportError:
            raise UserError("the grader is not installed in this checkout: update it, then grade again") from None
        return GradeReport(grade(challenge.program_path, challenge=challenge.number), None)
    report = check(challenge.number)
    return GradeReport(report.result, report.outcome)


def _examples() -> tuple[tuple[int, str], ...]:
    from examples import all_examples

    return tuple((e.number, e.title) for e in all_examples())


def default_services() -> Services:
    """Services backed by the real tracker, challenges, grader and quiz bank."""
    return Services(
        dashboard=_tracker_dashboard,
        challenges=_challenge_views,
        grade=_grade,
        quiz_bank=load_bank,
        quiz_progress=default_progress(),
        examples=_examples,
    )
