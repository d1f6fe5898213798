"""Achievements: each a readable rule over the folded history.

Every rule is monotonic (it counts distinct things or the best run ever), so once an
achievement is unlocked no later event can take it back; the store unlocks each exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from findingkind import FindingKind

from .course import CHALLENGE_COUNT, LESSON_COUNT
from .history import Tally
from .models import Achievement
from .streaks import best_streak


@dataclass(frozen=True)
class Rule:
    achievement: Achievement
    holds: Callable[[Tally], bool]


def _rule(key: str, name: str, text: str, icon: str, holds: Callable[[Tally], bool]) -> Rule:
    return Rule(Achievement(key, name, text, icon), holds)


_CLASS_BADGES: tuple[tuple[str, str], ...] = (
    (FindingKind.DEADLOCK.value, "Deadlock Breaker"),
    (FindingKind.LOCK_ORDER.value, "Lock Orderer"),
    (FindingKind.RACE.value, "Race Stopper"),
    (FindingKind.INVARIANT.value, "Invariant Keeper"),
    (FindingKind.THREAD_LEAK.value, "Thread Reaper"),
    (FindingKind.TASK_LEAK.value, "Task Herder"),
    (FindingKind.MEMORY_LEAK.value, "Leak Plumber"),
    (FindingKind.TIMING_LEAK.value, "Constant-Time Keeper"),
    (FindingKind.UNBOUNDED_QUEUE.value, "Backpressure Builder"),
    (FindingKind.LOCK_HELD_DURING_IO.value, "Lock Slimmer"),
    (FindingKind.SERIALIZED.value, "Parallelizer"),
    (FindingKind.EVENT_LOOP_BLOCKED.value, "Loop Unblocker"),
    (FindingKind.DISTRIBUTED.value, "Distributed Thinker"),
)
"""Bug classes (:class:`findingkind.FindingKind` values, as events store them) and their badges.
The tracker knows findings only through that shared module: it never imports the grader."""


def _article(word: str) -> str:
    """ "an" before a vowel sound ("an invariant"), else "a"."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _mastered(kind: str) -> Callable[[Tally], bool]:
    return lambda h: kind in h.mastered_classes


RULES: tuple[Rule, ...] = (
    _rule(
        "first-check",
        "Brave Submission",
        "Run `learn check` on any challenge",
        "📨",
        lambda h: h.attempts >= 1,
    ),
    _rule(
        "first-pass", "It Works!", "Pass your first challenge", "🎉", lambda h: len(h.passed) >= 1
    ),
    _rule(
        "first-try",
        "Right First Time",
        "Pass a challenge on your first check",
        "🎯",
        lambda h: h.first_try_passes >= 1,
    ),
    _rule(
        "no-hints-3",
        "Unassisted",
        "Pass 3 challenges in a row without hints",
        "🧠",
        lambda h: h.best_no_hint_run >= 3,
    ),
    _rule(
        "no-hints-5",
        "Self-Reliant",
        "Pass 5 challenges in a row without hints",
        "🦉",
        lambda h: h.best_no_hint_run >= 5,
    ),
    _rule(
        "speed",
        "Faster Than the Teacher",
        "Pass at least 10% faster than the reference solution",
        "⚡",
        lambda h: h.beat_reference,
    ),
    _rule(
        "comeback",
        "Never Give Up",
        "Pass a challenge after 5 failed checks",
        "💪",
        lambda h: h.comeback,
    ),
    _rule(
        "halfway",
        "Halfway There",
        f"Pass {CHALLENGE_COUNT // 2} challenges",
        "🏔",
        lambda h: len(h.passed) >= CHALLENGE_COUNT // 2,
    ),
    _rule(
        "all-done",
        "Concurrency Graduate",
        f"Pass all {CHALLENGE_COUNT} challenges",
        "🎓",
        lambda h: set(range(1, CHALLENGE_COUNT + 1)) <= h.passed,
    ),
    *(
        _rule(
            f"class-{kind}",
            name,
            f"Pass {_article(kind)} {kind} challenge (bug class) without its solution",
            "🐛",
            _mastered(kind),
        )
        for kind, name in _CLASS_BADGES
    ),
    _rule(
        "first-example", "Student", "Run your first lesson", "📖", lambda h: len(h.examples) >= 1
    ),
    _rule(
        "all-examples",
        "Scholar",
        f"Run all {LESSON_COUNT} lessons",
        "📚",
        lambda h: set(range(1, LESSON_COUNT + 1)) <= h.examples,
    ),
    _rule(
        "quiz-5",
        "Quiz Apprentice",
        "Answer 5 quiz questions correctly",
        "❓",
        lambda h: len(h.quiz_correct) >= 5,
    ),
    _rule(
        "quiz-25",
        "Quiz Master",
        "Answer 25 quiz questions correctly",
        "🏆",
        lambda h: len(h.quiz_correct) >= 25,
    ),
    _rule(
        "practical-1",
        "Practitioner",
        "Run a practical module against a real service",
        "🔌",
        lambda h: len(h.practical_modules) >= 1,
    ),
    _rule(
        "practical-5",
        "Field Engineer",
        "Run 5 different practical modules",
        "🛠",
        lambda h: len(h.practical_modules) >= 5,
    ),
    _rule(
        "streak-3",
        "Warming Up",
        "Practise 3 days in a row",
        "🔥",
        lambda h: best_streak(h.active_days) >= 3,
    ),
    _rule(
        "streak-7",
        "On Fire",
        "Practise 7 days in a row",
        "🌋",
        lambda h: best_streak(h.active_days) >= 7,
    ),
    _rule(
        "daily",
        "Daily Devotee",
        "Earn a daily challenge bonus",
        "📅",
        lambda h: len(h.daily_days) >= 1,
    ),
)

ACHIEVEMENTS: tuple[Achievement, ...] = tuple(rule.achievement for rule in RULES)
BY_KEY: dict[str, Achievement] = {a.key: a for a in ACHIEVEMENTS}


def unlocked(history: Tally) -> set[str]:
    """Keys of every achievement whose rule holds for ``history``."""
    return {rule.achievement.key for rule in RULES if rule.holds(history)}
