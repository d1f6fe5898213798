"""The tracker's public operations for the active profile: record, query, snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from usererror import UserError

from . import _env, _store
from ._db import Database, connect, sqlite_path
from ._schema import migrate
from .achievements import ACHIEVEMENTS, unlocked
from .checkpoint import CHECKPOINT_EVERY
from .history import Tally
from .levels import level_for, next_level
from .models import (
    Achievement,
    Activity,
    ActivityKind,
    AttemptOutcome,
    ChallengeProgress,
    DailyChallenge,
    LeaderboardRow,
    ProgressSnapshot,
    QuizRecord,
    UnlockedAchievement,
)
from .spaced import due_questions as _due
from .streaks import best_streak, current_streak

CHALLENGE_NUMBERS = range(1, 17)


@contextmanager
def session() -> Iterator[Database]:
    """An open, migrated database connection."""
    db = connect()
    try:
        migrate(db)
        yield db
    finally:
        db.close()


@dataclass(frozen=True)
class _Recorded:
    step_xp: int
    daily_bonus: int
    first_pass: bool
    xp_before: int
    history: Tally
    new_achievements: tuple[Achievement, ...]


def _new_event(kind: ActivityKind, **fields: object) -> Activity:
    moment = _env.now()
    return Activity(kind=kind, at=moment, day=moment.date(), **fields)  # type: ignore[arg-type]


def _record(event: Activity) -> _Recorded:
    """Append ``event`` to the active profile's log, with its XP and any achievements, atomically."""
    name = _env.active_profile_name()
    with session() as db, db.write():
        pid = _store.ensure_profile(db, name, event.at)
        fold = _store.load_fold(db, pid)
        history = fold.history
        before = history.xp
        already = set(_store.achievement_dates(db, pid))
        step = history.apply(event)
        event_id = _store.insert_event(db, pid, event, step)
        if fold.replayed + 1 >= CHECKPOINT_EVERY:
            _store.save_checkpoint(db, pid, history, event_id)
        fresh = [a for a in ACHIEVEMENTS if a.key in unlocked(history) - already]
        _store.unlock(db, pid, [a.key for a in fresh], event.at)
    return _Recorded(step.xp, step.daily_bonus, step.first_pass, before, history, tuple(fresh))


def _outcome(recorded: _Recorded) -> AttemptOutcome:
    return AttemptOutcome(
        xp_gained=recorded.step_xp,
        total_xp=recorded.history.xp,
        level_before=level_for(recorded.xp_before),
        level_after=level_for(recorded.history.xp),
        new_achievements=recorded.new_achievements,
        first_pass=recorded.first_pass,
        daily_bonus=recorded.daily_bonus,
    )


def record_attempt(
    *,
    challenge: int,
    passed: bool,
    finding_kinds: list[str],
    findings_summary: str,
    seconds: float,
    code_hash: str,
    seed: int,
    performance_ratio: float | None,
    difficulty: int,
    bug_class: str,
) -> AttemptOutcome:
    """Record one graded `learn check` and award the XP a verified first pass earns."""
    event = _new_event(
        ActivityKind.ATTEMPT,
        challenge=challenge,
        passed=passed,
        finding_kinds=tuple(finding_kinds),
        summary=findings_summary,
        seconds=seconds,
        code_hash=code_hash,
        seed=seed,
        performance_ratio=performance_ratio,
        difficulty=difficulty,
        bug_class=bug_class,
    )
    return _outcome(_record(event))


def record_hint(challenge: int) -> int:
    """Record that a hint was shown; return how many hints this challenge has had so far."""
    return (
        _record(_new_event(ActivityKind.HINT, challenge=challenge))
        .history.challenge(challenge)
        .hints
    )


def record_solution_reveal(challenge: int) -> None:
    """Record that a reference solution was shown (its first pass then earns less XP)."""
    _record(_new_event(ActivityKind.REVEAL, challenge=challenge))


def record_example_run(number: int) -> None:
    _record(_new_event(ActivityKind.EXAMPLE, subject=str(number)))


def record_practical_run(module: str, pattern: str | None) -> None:
    subject = module if pattern is None else f"{module}:{pattern}"
    _record(_new_event(ActivityKind.PRACTICAL, subject=subject))


def record_quiz_answer(question_id: str, correct: bool) -> AttemptOutcome:
    """Record a quiz answer; the first correct answer to a question earns XP."""
    return _outcome(_record(_new_event(ActivityKind.QUIZ, subject=question_id, passed=correct)))


def _nothing_recorded() -> bool:
    """True when there is no local progress database yet: reading must not create one."""
    return _env.database_url() is None and not sqlite_path().exists()


def _rows(sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Run a query over the active profile's events (no rows when the profile has none yet)."""
    name = _env.active_profile_name()
    if _nothing_recorded():
        return []
    with session() as db:
        pid = _store.profile_id(db, name)
        if pid is None:
            return []
        return db.execute(sql, (pid, *params))


def _count(sql: str, *params: object) -> int:
    """Run a COUNT over the active profile's events (0 when the profile has none yet)."""
    rows = _rows(sql, *params)
    return int(rows[0][0]) if rows else 0


_COUNT = "SELECT COUNT(*) FROM events WHERE profile_id = ? AND kind = ?"


def hints_taken(challenge: int) -> int:
    return _count(_COUNT + " AND challenge = ?", ActivityKind.HINT.value, challenge)


def has_passed(challenge: int) -> bool:
    return (
        _count(_COUNT + " AND challenge = ? AND passed = 1", ActivityKind.ATTEMPT.value, challenge)
        > 0
    )


def challenge_statuses() -> dict[int, str]:
    """ "attempted" or "passed" for every challenge the active profile checked (absent: "new"), in one query."""
    rows = _rows(
        "SELECT challenge, MAX(passed) FROM events WHERE profile_id = ? AND kind = ? GROUP BY challenge",
        ActivityKind.ATTEMPT.value,
    )
    return {
        int(challenge): "passed" if best else "attempted"
        for challenge, best in rows
        if challenge is not None
    }


def example_statuses() -> dict[int, str]:
    """ "done" for every lesson the active profile ran (absent: "new"), in one query."""
    rows = _rows(
        "SELECT DISTINCT subject FROM events WHERE profile_id = ? AND kind = ?",
        ActivityKind.EXAMPLE.value,
    )
    return {int(subject): "done" for (subject,) in rows if str(subject).isdigit()}


def challenge_status(challenge: int) -> str:
    """ "new", "attempted" or "passed"."""
    return challenge_statuses().get(challenge, "new")


def example_status(number: int) -> str:
    """ "new" or "done"."""
    return example_statuses().get(number, "new")


def _history() -> tuple[str, Tally, dict[str, datetime]]:
    name = _env.active_profile_name()
    if _nothing_recorded():
        return name, Tally(), {}
    with session() as db:
        pid = _store.profile_id(db, name)
        if pid is None:
            return name, Tally(), {}
        return name, _store.load_fold(db, pid).history, _store.achievement_dates(db, pid)


def quiz_history() -> dict[str, QuizRecord]:
    """Per question id: attempts, last result, last time and Leitner box."""
    return dict(_history()[1].quiz)


def due_questions(question_ids: list[str], now: datetime) -> list[str]:
    """Which of ``question_ids`` to ask now (missed first, then new, then due reviews)."""
    return _due(question_ids, quiz_history(), now)


def daily_challenge(today: date | None = None) -> DailyChallenge:
    """The active profile's daily (it depends on what the learner had passed before today)."""
    return _history()[1].daily(today or _env.now().date())


def progress_snapshot() -> ProgressSnapshot:
    """Everything the progress screen shows, for the active profile."""
    name, history, dates = _history()
    return build_snapshot(name, history, dates, _env.now().date())


def build_snapshot(
    name: str, history: Tally, dates: dict[str, datetime], today: date
) -> ProgressSnapshot:
    level = level_for(history.xp)
    upcoming = next_level(level)
    numbers = sorted(set(CHALLENGE_NUMBERS) | set(history.challenges))
    challenges = []
    for number in numbers:
        state = history.challenges.get(number)
        if state is None:
            challenges.append(ChallengeProgress(number, "new", 0, 0, 0, False))
            continue
        status = "passed" if state.passed else "attempted" if state.attempts else "new"
        challenges.append(
            ChallengeProgress(number, status, state.attempts, state.hints, state.xp, state.revealed)
        )
    daily = history.daily(today)
    return ProgressSnapshot(
        profile=name,
        xp=history.xp,
        level=level,
        next_level=upcoming,
        xp_into_level=history.xp - level.min_xp,
        xp_level_span=(upcoming.min_xp - level.min_xp) if upcoming else 0,
        challenges=tuple(challenges),
        achievements=tuple(UnlockedAchievement(a, dates.get(a.key)) for a in ACHIEVEMENTS),
        streak_days=current_streak(history.active_days, today),
        best_streak=best_streak(history.active_days),
        daily=daily,
        daily_done=today in history.daily_days,
        examples_done=tuple(sorted(history.examples)),
        quiz_correct=len(history.quiz_correct),
        attempts=history.attempts,
    )


def leaderboard() -> list[LeaderboardRow]:
    """Every profile in the database, by XP (the ledger, which always equals a replay)."""
    today = _env.now().date()
    with session() as db:
        totals = db.execute(
            "SELECT p.name, COALESCE(SUM(e.xp), 0), "
            "COUNT(DISTINCT CASE WHEN e.kind = 'attempt' AND e.passed = 1 THEN e.challenge END) "
            "FROM profiles p LEFT JOIN events e ON e.profile_id = p.id GROUP BY p.name"
        )
        badges = dict(
            db.execute(
                "SELECT p.name, COUNT(*) FROM achievements a JOIN profiles p ON p.id = a.profile_id "
                "GROUP BY p.name"
            )
        )
        days: dict[str, set[date]] = {}
        for profile, day in db.execute(
            "SELECT DISTINCT p.name, e.day FROM events e JOIN profiles p ON p.id = e.profile_id "
            "WHERE e.kind NOT IN ('hint', 'reveal')"
        ):
            days.setdefault(str(profile), set()).add(date.fromisoformat(day))
    ordered = sorted(totals, key=lambda row: (-int(row[1]), str(row[0])))
    return [
        LeaderboardRow(
            rank=rank,
            profile=str(profile),
            xp=int(xp),
            level=level_for(int(xp)),
            passed=int(passed),
            achievements=int(badges.get(profile, 0)),
            streak_days=current_streak(days.get(str(profile), set()), today),
        )
        for rank, (profile, xp, passed) in enumerate(ordered, start=1)
    ]


def verify_ledger() -> tuple[int, int]:
    """(XP in the ledger, XP from a fresh replay) for the active profile: always equal."""
    name = _env.active_profile_name()
    with session() as db:
        pid = _store.profile_id(db, name)
        if pid is None:
            return 0, 0
        return _store.ledger_total(db, pid), _store.load_history(db, pid).xp


def require_profile(db: Database, name: str) -> int:
    pid = _store.profile_id(db, name)
    if pid is None:
        raise UserError(
            f"profile '{name}' does not exist: create it with `learn profile create {name}` "
            "(see `learn profile list`)"
        )
    return pid
