"""The tracker's immutable data: recorded events, levels, achievements and the snapshots
the CLI and the TUI render. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ActivityKind(StrEnum):
    """What a recorded event is about."""

    ATTEMPT = "attempt"
    """A `learn check`: a verdict on one challenge submission."""
    HINT = "hint"
    REVEAL = "reveal"
    """The learner looked at a reference solution."""
    EXAMPLE = "example"
    QUIZ = "quiz"
    PRACTICAL = "practical"


@dataclass(frozen=True)
class Activity:
    """One thing the learner did, as stored. XP is always re-derived from a sequence of these."""

    kind: ActivityKind
    at: datetime
    """When it happened (timezone-aware)."""
    day: date
    """The learner's local calendar day when it happened (streaks and the daily use it)."""
    challenge: int | None = None
    passed: bool | None = None
    """Attempt verdict, or quiz answer correctness."""
    finding_kinds: tuple[str, ...] = ()
    summary: str = ""
    seconds: float = 0.0
    code_hash: str = ""
    seed: int = 0
    performance_ratio: float | None = None
    """Learner time / reference time (lower is faster); None when not measured."""
    difficulty: int = 1
    bug_class: str = ""
    subject: str = ""
    """Example number, quiz question id, or ``module`` / ``module:pattern`` of a practical run."""


@dataclass(frozen=True, order=True)
class Level:
    """A named rung of the progression."""

    number: int
    name: str
    min_xp: int


@dataclass(frozen=True)
class Achievement:
    """A badge with a rule a learner can read."""

    key: str
    name: str
    rule: str
    """One line: what unlocks it."""
    icon: str = "🏅"


@dataclass(frozen=True)
class UnlockedAchievement:
    achievement: Achievement
    unlocked_at: datetime | None
    """None while still locked."""


@dataclass(frozen=True)
class DailyChallenge:
    """Today's challenge: the same for everyone on a calendar day."""

    day: date
    challenge: int
    twist: str
    """Key of the extra constraint (see :data:`tracker.daily.TWISTS`)."""
    twist_text: str
    """The constraint in words."""
    seed: int
    """A seed set of the day, for graders that accept one."""
    bonus_xp: int


@dataclass(frozen=True)
class AttemptOutcome:
    """What one recorded check (or quiz answer) changed."""

    xp_gained: int
    """Includes ``daily_bonus``."""
    total_xp: int
    level_before: Level
    level_after: Level
    new_achievements: tuple[Achievement, ...]
    first_pass: bool
    daily_bonus: int

    @property
    def leveled_up(self) -> bool:
        return self.level_after.number > self.level_before.number


@dataclass(frozen=True)
class ChallengeProgress:
    number: int
    status: str
    """"new", "attempted" or "passed"."""
    attempts: int
    hints: int
    xp: int
    revealed: bool


@dataclass(frozen=True)
class ProgressSnapshot:
    """Everything `learn progress` and the TUI show, at one instant."""

    profile: str
    xp: int
    level: Level
    next_level: Level | None
    xp_into_level: int
    xp_level_span: int
    """XP from this level to the next (0 at the top level)."""
    challenges: tuple[ChallengeProgress, ...]
    achievements: tuple[UnlockedAchievement, ...]
    """Every achievement, unlocked ones with their date."""
    streak_days: int
    best_streak: int
    daily: DailyChallenge
    daily_done: bool
    examples_done: tuple[int, ...]
    quiz_correct: int
    attempts: int


@dataclass(frozen=True)
class QuizRecord:
    """What spaced repetition knows about one quiz question."""

    question_id: str
    attempts: int
    correct: int
    last_correct: bool
    last_at: datetime
    box: int
    """Leitner box: 0 after a miss, one higher after each correct answer."""


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    profile: str
    xp: int
    level: Level
    passed: int
    achievements: int
    streak_days: int
