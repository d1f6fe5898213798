"""The fold over the event log: every total the tracker shows is derived here.

:meth:`Tally.apply` consumes one event and returns the XP it earned. Replaying the same
events always gives the same totals, which is what makes XP impossible to drift or forge:
the database stores the events (and, as a ledger, each event's XP) and a fresh replay must
agree with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from . import xp as rules
from .daily import daily_challenge, daily_of, twist_satisfied
from .models import Activity, ActivityKind, DailyChallenge, QuizRecord
from .spaced import next_box


@dataclass
class ChallengeState:
    """What the fold knows about one challenge."""

    attempts: int = 0
    failures_before_pass: int = 0
    hints: int = 0
    hints_before_pass: int = 0
    revealed: bool = False
    revealed_before_pass: bool = False
    passed: bool = False
    xp: int = 0
    bug_class: str = ""


@dataclass
class Step:
    """What one event changed."""

    xp: int = 0
    daily_bonus: int = 0
    first_pass: bool = False


@dataclass
class Tally:
    """Aggregates of a profile's events, folded in recording order."""

    xp: int = 0
    attempts: int = 0
    challenges: dict[int, ChallengeState] = field(default_factory=dict)
    no_hint_run: int = 0
    """First passes in a row without hints (the current run)."""
    best_no_hint_run: int = 0
    first_try_passes: int = 0
    beat_reference: bool = False
    comeback: bool = False
    """Passed a challenge after at least five failed checks."""
    mastered_classes: set[str] = field(default_factory=set)
    """Bug classes of challenges passed without revealing the solution."""
    examples: set[int] = field(default_factory=set)
    practical_modules: set[str] = field(default_factory=set)
    practical_runs: set[str] = field(default_factory=set)
    quiz: dict[str, QuizRecord] = field(default_factory=dict)
    quiz_correct: set[str] = field(default_factory=set)
    active_days: set[date] = field(default_factory=set)
    daily_days: set[date] = field(default_factory=set)
    """Days whose daily bonus was earned."""
    daily_picks: dict[date, int] = field(default_factory=dict)
    """Day -> its daily challenge, fixed at the day's first check by the passes before it."""
    _today: dict[tuple[int, date], list[int]] = field(default_factory=dict)
    """(challenge, day) -> [hints that day, checks that day]."""

    @classmethod
    def replay(cls, events: Iterable[Activity]) -> Tally:
        history = cls()
        for event in events:
            history.apply(event)
        return history

    @property
    def passed(self) -> set[int]:
        return {n for n, state in self.challenges.items() if state.passed}

    def daily(self, day: date) -> DailyChallenge:
        """The daily of ``day``: as fixed that day, else from every pass so far."""
        number = self.daily_picks.get(day)
        return daily_challenge(day, self.passed) if number is None else daily_of(day, number)

    def challenge(self, number: int) -> ChallengeState:
        return self.challenges.setdefault(number, ChallengeState())

    def apply(self, event: Activity) -> Step:
        """Fold one event in; return the XP it earned."""
        kind = event.kind
        if kind is ActivityKind.ATTEMPT:
            self.active_days.add(event.day)
            step = self._attempt(event)
        elif kind is ActivityKind.HINT:
            step = self._hint(event)
        elif kind is ActivityKind.REVEAL:
            step = self._reveal(event)
        else:
            self.active_days.add(event.day)
            handler = {ActivityKind.EXAMPLE: self._example, ActivityKind.QUIZ: self._quiz}.get(
                kind, self._practical
            )
            step = handler(event)
        self.xp += step.xp
        return step

    def _day_counts(self, event: Activity) -> list[int]:
        assert event.challenge is not None
        return self._today.setdefault((event.challenge, event.day), [0, 0])

    def _hint(self, event: Activity) -> Step:
        state = self.challenge(_number(event))
        state.hints += 1
        if not state.passed:
            state.hints_before_pass += 1
        self._day_counts(event)[0] += 1
        return Step()

    def _reveal(self, event: Activity) -> Step:
        state = self.challenge(_number(event))
        state.revealed = True
        if not state.passed:
            state.revealed_before_pass = True
        return Step()

    def _attempt(self, event: Activity) -> Step:
        if event.day not in self.daily_picks:  # before this check can add a pass
            self.daily_picks[event.day] = self.daily(event.day).challenge
        state = self.challenge(_number(event))
        state.attempts += 1
        self.attempts += 1
        counts = self._day_counts(event)
        counts[1] += 1
        if event.bug_class:
            state.bug_class = event.bug_class
        if not event.passed:
            if not state.passed:
                state.failures_before_pass += 1
            return Step()
        step = Step()
        if not state.passed:
            step = self._first_pass(state, event)
        step.daily_bonus = self._daily_bonus(event, state, counts)
        step.xp += step.daily_bonus
        return step

    def _first_pass(self, state: ChallengeState, event: Activity) -> Step:
        first_try = state.attempts == 1
        state.passed = True
        state.xp = rules.challenge_pass_xp(
            difficulty=event.difficulty,
            hints=state.hints_before_pass,
            revealed=state.revealed_before_pass,
            first_try=first_try,
            performance_ratio=event.performance_ratio,
        )
        if state.hints_before_pass == 0 and not state.revealed_before_pass:
            self.no_hint_run += 1
            self.best_no_hint_run = max(self.best_no_hint_run, self.no_hint_run)
        else:
            self.no_hint_run = 0
        self.first_try_passes += first_try
        if rules.beats_reference(event.performance_ratio):
            self.beat_reference = True
        if state.failures_before_pass >= 5:
            self.comeback = True
        if state.bug_class and not state.revealed_before_pass:
            self.mastered_classes.add(state.bug_class)
        return Step(xp=state.xp, first_pass=True)

    def _daily_bonus(self, event: Activity, state: ChallengeState, counts: list[int]) -> int:
        daily = self.daily(event.day)
        if event.day in self.daily_days or daily.challenge != event.challenge:
            return 0
        if not twist_satisfied(
            daily.twist, hints_today=counts[0], attempts_today=counts[1], revealed=state.revealed
        ):
            return 0
        self.daily_days.add(event.day)
        return daily.bonus_xp

    def _example(self, event: Activity) -> Step:
        number = int(event.subject)
        if number in self.examples:
            return Step()
        self.examples.add(number)
        return Step(xp=rules.EXAMPLE_XP)

    def _practical(self, event: Activity) -> Step:
        self.practical_modules.add(event.subject.split(":", 1)[0])
        if event.subject in self.practical_runs:
            return Step()
        self.practical_runs.add(event.subject)
        return Step(xp=rules.PRACTICAL_XP)

    def _quiz(self, event: Activity) -> Step:
        qid, correct = event.subject, bool(event.passed)
        old = self.quiz.get(qid)
        self.quiz[qid] = QuizRecord(
            question_id=qid,
            attempts=(old.attempts if old else 0) + 1,
            correct=(old.correct if old else 0) + correct,
            last_correct=correct,
            last_at=event.at,
            box=next_box(old.box if old else 0, correct) if old else (1 if correct else 0),
        )
        if not correct or qid in self.quiz_correct:
            return Step()
        self.quiz_correct.add(qid)
        return Step(xp=rules.QUIZ_XP, first_pass=True)


def _number(event: Activity) -> int:
    if event.challenge is None:
        raise ValueError(f"a {event.kind.value} event needs a challenge number")
    return event.challenge
