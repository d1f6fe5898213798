"""Queries over the progress schema: profiles, the event log with its XP ledger, achievements.

Functions take an open, migrated :class:`Database`; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .achievements import unlocked
from .history import History, Step
from .models import Event, EventKind

_EVENT_COLUMNS = (
    "kind, at, day, challenge, passed, finding_kinds, summary, seconds, code_hash, seed, "
    "performance_ratio, difficulty, bug_class, subject"
)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    event: Event
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


def _event_from_row(row: tuple[Any, ...]) -> Event:
    (kind, at, day, challenge, passed, kinds, summary, seconds, code_hash, seed,
     ratio, difficulty, bug_class, subject) = row
    return Event(
        kind=EventKind(kind),
        at=datetime.fromisoformat(at),
        day=date.fromisoformat(day),
        challenge=None if challenge is None else int(challenge),
        passed=None if passed is None else bool(passed),
        finding_kinds=tuple(k for k in str(kinds).split(",") if k),
        summary=str(summary),
        seconds=float(seconds),
        code_hash=str(code_hash),
        seed=int(seed),
        performance_ratio=None if ratio is None else float(ratio),
        difficulty=int(difficulty),
        bug_class=str(bug_class),
        subject=str(subject),
    )


def event_row(event: Event) -> tuple[Any, ...]:
    return (
        event.kind.value, event.at.isoformat(), event.day.isoformat(), event.challenge,
        None if event.passed is None else int(event.passed), ",".join(event.finding_kinds),
        event.summary, event.seconds, event.code_hash, event.seed, event.performance_ratio,
        event.difficulty, event.bug_class, event.subject,
    )


def load_events(db: Any, pid: int) -> list[StoredEvent]:
    """The profile's events in recording order, with their ledger entries."""
    rows = db.execute(
        f"SELECT id, xp, daily_bonus, {_EVENT_COLUMNS} FROM events WHERE profile_id = ? ORDER BY id",
        (pid,),
    )
    return [StoredEvent(int(r[0]), _event_from_row(r[3:]), int(r[1]), int(r[2])) for r in rows]


def load_history(db: Any, pid: int) -> History:
    return History.replay(stored.event for stored in load_events(db, pid))


def ledger_total(db: Any, pid: int) -> int:
    """The XP stored in the ledger (a fresh replay of the events must give the same)."""
    return int(db.execute("SELECT COALESCE(SUM(xp), 0) FROM events WHERE profile_id = ?", (pid,))[0][0])


def insert_event(db: Any, pid: int, event: Event, step: Step) -> None:
    db.execute(
        f"INSERT INTO events (profile_id, xp, daily_bonus, {_EVENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (pid, step.xp, step.daily_bonus, *event_row(event)),
    )


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


def rederive_ledger(db: Any, pid: int) -> History:
    """Replay the profile's events and rewrite each event's ledger entry; unlock what holds."""
    history = History()
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
