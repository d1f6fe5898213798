"""Where quiz answers go: the tracker (XP, spaced repetition), behind a small protocol.

The quiz engine only needs two things from progress: which questions are due again, and
"record this answer, tell me what it earned". :class:`TrackerProgress` forwards to the
``tracker`` package; :class:`MemoryProgress` keeps the same rules for one session in memory
(used by tests and when the tracker is not installed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

__all__ = [
    "MemoryProgress",
    "Outcome",
    "QuizOutcome",
    "QuizProgress",
    "TrackerProgress",
    "default_progress",
    "level_number",
]


class Outcome(Protocol):
    """What recording one answer earned (the tracker's ``AttemptOutcome`` satisfies it)."""

    @property
    def xp_gained(self) -> int: ...
    @property
    def total_xp(self) -> int: ...
    @property
    def level_before(self) -> object: ...

    """An int here, a ``tracker.Level`` from the tracker: read it with :func:`level_number`."""

    @property
    def level_after(self) -> object: ...
    @property
    def new_achievements(self) -> tuple[Any, ...]: ...


class QuizProgress(Protocol):
    """The two calls the quiz makes into progress."""

    persistent: bool
    """False when answers are forgotten at exit (the UI says so)."""

    def due(self, question_ids: list[str], now: datetime) -> list[str]:
        """Questions answered before whose review is due now (missed ones first)."""
        ...

    def seen(self) -> set[str]:
        """Every question answered at least once."""
        ...

    def record(self, question_id: str, correct: bool) -> Outcome: ...


@dataclass(frozen=True)
class QuizOutcome:
    """:class:`Outcome` produced by :class:`MemoryProgress`."""

    xp_gained: int
    total_xp: int
    level_before: int = 1
    level_after: int = 1
    new_achievements: tuple[Any, ...] = ()


XP_PER_CORRECT = 10


@dataclass
class MemoryProgress:
    """Leitner boxes in memory: a miss is due at once, each hit doubles the interval."""

    clock: Any = field(default=lambda: datetime.now(UTC))
    persistent: bool = False
    total_xp: int = 0
    _box: dict[str, int] = field(default_factory=dict)
    _due_at: dict[str, datetime] = field(default_factory=dict)

    def due(self, question_ids: list[str], now: datetime) -> list[str]:
        """Questions answered before whose review time has come, most overdue first."""
        ready = [q for q in question_ids if q in self._due_at and self._due_at[q] <= now]
        return sorted(ready, key=lambda q: self._due_at[q])

    def seen(self) -> set[str]:
        return set(self._box)

    def now(self) -> datetime:
        """The clock reviews are due by (the session asks, so a pinned clock is honoured)."""
        moment: datetime = self.clock()
        return moment

    def record(self, question_id: str, correct: bool) -> QuizOutcome:
        now = self.clock()
        box = self._box.get(question_id, 0) + 1 if correct else 0
        self._box[question_id] = box
        self._due_at[question_id] = now + timedelta(days=2**box - 1 if correct else 0)
        gained = XP_PER_CORRECT if correct else 0
        self.total_xp += gained
        return QuizOutcome(xp_gained=gained, total_xp=self.total_xp)


class TrackerProgress:
    """Forwards to the tracker: persistent XP, levels, achievements and review dates."""

    persistent = True

    def due(self, question_ids: list[str], now: datetime) -> list[str]:
        # The tracker's order also lists never-seen questions; those are shuffled by the session.
        import tracker

        seen = self.seen()
        return [q for q in tracker.due_questions(question_ids, now) if q in seen]

    def seen(self) -> set[str]:
        import tracker

        return set(tracker.quiz_history())  # question id -> record

    def now(self) -> datetime:
        """The tracker's clock (``LEARN_NOW`` pins it): answers are stamped with it, so due dates use it too."""
        from tracker._env import now

        return now()

    def record(self, question_id: str, correct: bool) -> Outcome:
        from learner import record

        return record.quiz_answer(question_id, correct)


def level_number(level: object) -> int:
    """Levels are ints here and ``tracker.Level`` objects (with ``.number``) in the tracker."""
    return int(getattr(level, "number", level))  # type: ignore[call-overload]


def default_progress() -> QuizProgress:
    """The learner's persistent progress (the tracker)."""
    return TrackerProgress()
