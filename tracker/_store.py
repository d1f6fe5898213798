"""Queries over the progress schema: profiles, the event log with its XP ledger, achievements.

Functions take an open, migrated :class:`Database`; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import checkpoint
from .achievements import unlocked
from .history import Step, Tally
from .models import Activity, ActivityKind

_EVENT_COLUMNS = (
    "kind, at, day, challenge, passed, finding_kinds, summary, seconds, code_hash, seed, "
    "performance_ratio, difficulty, bug_class, subject"
)


@dataclass(frozen=True)
class StoredActivity:
    id: int
    event: Activity
    xp: int
    daily_bonus: int


def profile_id(db: Any, name: str) -> int | None:
    rows = db.execute("SELECT id FROM profiles WHERE name = ?", (name,))
    return int(rows[0][0]) if rows else None


def ensure_profile(db: Any, name: str, created_at: datetime) -> int:
    """The profile's id, creating it if needed (safe under concurrent creators)."""
    db.execute(
        "INSERT INTO profiles (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        (name, created_at.isoformat()),
    )
    found = profile_id(db, name)
    assert found is not None
    return found


def profile_names(db: Any) -> list[str]:
    return [str(row[0]) for row in db.execute("SELECT name FROM profiles ORDER BY name")]


_KINDS = {kind.value: kind for kind in ActivityKind}


def _event_from_row(row: tuple[Any, ...], days: dict[str, date]) -> Activity:
    """An :class:`Activity` from its columns; ``days`` memoizes day parsing (days repeat a lot)."""
    (
        kind,
        at,
        day,
        challenge,
        passed,
        kinds,
        summary,
        seconds,
        code_hash,
        seed,
        ratio,
        difficulty,
        bug_class,
        subject,
    ) = row
    parsed_day = days.get(day)
    if parsed_day is None:
        parsed_day = days[day] = date.fromisoformat(day)
    return Activity(
        _KINDS[kind],
        datetime.fromisoformat(at),
        parsed_day,
        challenge,
        None if passed is None else bool(passed),
        tuple(kinds.split(",")) if kinds else (),
        summary,
        seconds,
        code_hash,
        seed,
        ratio,
        difficulty,
        bug_class,
        subject,
    )


def event_row(event: Activity) -> tuple[Any, ...]:
    return (
        event.kind.value,
        event.at.isoformat(),
        event.day.isoformat(),
        event.challenge,
        None if event.passed is None else int(event.passed),
        ",".join(event.finding_kinds),
        event.summary,
        event.seconds,
        event.code_hash,
        event.seed,
        event.performance_ratio,
        event.difficulty,
        event.bug_class,
        event.subject,
    )


def load_events(db: Any, pid: int, after: int = 0) -> list[StoredActivity]:
    """The profile's events (with id above ``after``) in recording order, with their ledger entries."""
    rows = db.execute(
        f"SELECT id, xp, daily_bonus, {_EVENT_COLUMNS} FROM events "
        "WHERE profile_id = ? AND id > ? ORDER BY id",
        (pid, after),
    )
    days: dict[str, date] = {}
    return [StoredActivity(r[0], _event_from_row(r[3:], days), r[1], r[2]) for r in rows]


def load_history(db: Any, pid: int) -> Tally:
    """A full replay of the profile's log (the reference every cache must agree with)."""
    return Tally.replay(stored.event for stored in load_events(db, pid))


@dataclass
class Replay:
    """The profile's folded history, and how far past its checkpoint it was replayed."""

    history: Tally
    last_id: int
    replayed: int


def load_fold(db: Any, pid: int) -> Replay:
    """The folded history, from the latest usable checkpoint plus the events after it."""
    history, upto = None, 0
    rows = db.execute("SELECT upto, state FROM checkpoints WHERE profile_id = ?", (pid,))
    if rows:
        history = checkpoint.loads(rows[0][1])
        upto = int(rows[0][0]) if history is not None else 0
    history = history or Tally()
    recent = load_events(db, pid, after=upto)
    for stored in recent:
        history.apply(stored.event)
    return Replay(history, recent[-1].id if recent else upto, len(recent))


def save_checkpoint(db: Any, pid: int, history: Tally, upto: int) -> None:
    db.execute(
        "INSERT INTO checkpoints (profile_id, upto, state) VALUES (?, ?, ?) "
        "ON CONFLICT (profile_id) DO UPDATE SET upto = excluded.upto, state = excluded.state",
        (pid, upto, checkpoint.dumps(history)),
    )


def ledger_total(db: Any, pid: int) -> int:
    """The XP stored in the ledger (a fresh replay of the events must give the same)."""
    return int(
        db.execute("SELECT COALESCE(SUM(xp), 0) FROM events WHERE profile_id = ?", (pid,))[0][0]
    )


def insert_event(db: Any, pid: int, event: Activity, step: Step) -> int:
    """Append an event with its ledger entry; return its id."""
    rows = db.execute(
        f"INSERT INTO events (profile_id, xp, daily_bonus, {_EVENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (pid, step.xp, step.daily_bonus, *event_row(event)),
    )
    return int(rows[0][0])


def achievement_dates(db: Any, pid: int) -> dict[str, datetime]:
    rows = db.execute("SELECT key, unlocked_at FROM achievements WHERE profile_id = ?", (pid,))
    return {str(key): datetime.fromisoformat(at) for key, at in rows}


def unlock(db: Any, pid: int, keys: Iterable[str], at: datetime) -> None:
    """Record achievements as unlocked at ``at``; an already unlocked one keeps its first date."""
    for key in keys:
        db.execute(
            "INSERT INTO achievements (profile_id, key, unlocked_at) VALUES (?, ?, ?) "
            "ON CONFLICT (profile_id, key) DO NOTHING",
            (pid, key, at.isoformat()),
        )


def rederive_ledger(db: Any, pid: int) -> Tally:
    """Replay the profile's events and rewrite each event's ledger entry; unlock what holds."""
    history = Tally()
    stored = load_events(db, pid)
    for entry in stored:
        step = history.apply(entry.event)
        if (step.xp, step.daily_bonus) != (entry.xp, entry.daily_bonus):
            db.execute(
                "UPDATE events SET xp = ?, daily_bonus = ? WHERE id = ?",
                (step.xp, step.daily_bonus, entry.id),
            )
    if stored:
        unlock(db, pid, sorted(unlocked(history)), stored[-1].event.at)
    return history
