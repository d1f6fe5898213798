"""The tracker's public API against a real SQLite database under LEARN_HOME."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import tracker
from tests.unit.tracker_strategies import events
from tracker import _env, _store
from tracker._db import SqliteDatabase, sqlite_path
from tracker._schema import CURRENT_VERSION, migrate, schema_version
from tracker._service import session
from tracker.daily import daily_challenge
from tracker.history import Tally
from tracker.models import Activity, ActivityKind
from usererror import UserError


class Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(_env, "now", fake)
    monkeypatch.setenv("LEARN_PROFILE", "ada")
    return fake


def check(
    challenge: int,
    passed: bool,
    *,
    difficulty: int = 2,
    ratio: float | None = None,
    bug_class: str = "deadlock",
    code_hash: str = "h",
) -> tracker.AttemptOutcome:
    return tracker.record_attempt(
        challenge=challenge,
        passed=passed,
        finding_kinds=[] if passed else ["deadlock"],
        findings_summary="" if passed else "deadlock: t1 holds A waits B",
        seconds=1.5,
        code_hash=code_hash,
        seed=7,
        performance_ratio=ratio,
        difficulty=difficulty,
        bug_class=bug_class,
    )


def test_a_new_learner_sees_xp_level_and_achievements_after_the_first_pass(clock: Clock) -> None:
    first = check(1, False)
    assert first.xp_gained == 0 and [a.key for a in first.new_achievements] == ["first-check"]
    assert tracker.challenge_status(1) == "attempted"
    outcome = check(1, True)
    assert outcome.first_pass and outcome.xp_gained == 250 and outcome.total_xp == 250
    assert outcome.level_before.number == 1 and outcome.level_after.number == 3
    assert {a.key for a in outcome.new_achievements} == {"first-pass", "class-deadlock"}
    snapshot = tracker.progress_snapshot()
    assert snapshot.xp == 250 and snapshot.level.name == "Lock Holder"
    assert snapshot.challenges[0].status == "passed" and snapshot.streak_days == 1
    dates = {u.achievement.key: u.unlocked_at for u in snapshot.achievements if u.unlocked_at}
    assert dates == {
        "first-check": clock.current,
        "first-pass": clock.current,
        "class-deadlock": clock.current,
    }
    assert tracker.has_passed(1) and not tracker.has_passed(2)


def test_achievements_unlock_exactly_once_with_their_first_date(clock: Clock) -> None:
    check(1, True)
    first_date = clock.current
    clock.advance(days=1)
    again = check(2, True, bug_class="deadlock")
    assert "first-pass" not in {a.key for a in again.new_achievements}
    with session() as db:
        rows = db.execute("SELECT key, unlocked_at FROM achievements")
    assert len(rows) == len({key for key, _ in rows})
    assert dict(rows)["first-pass"] == first_date.isoformat()


def test_hints_reveals_examples_and_practical_runs(clock: Clock) -> None:
    assert tracker.hints_taken(4) == 0
    assert tracker.record_hint(4) == 1 and tracker.record_hint(4) == 2
    assert tracker.hints_taken(4) == 2 and tracker.challenge_status(4) == "new"
    tracker.record_solution_reveal(4)
    assert check(4, True, difficulty=4).xp_gained == 100
    assert tracker.example_status(3) == "new"
    tracker.record_example_run(3)
    assert tracker.example_status(3) == "done"
    tracker.record_practical_run("redis", "queue")
    tracker.record_practical_run("redis", None)
    snapshot = tracker.progress_snapshot()
    assert snapshot.xp == 100 + 20 + 30 + 30 and snapshot.examples_done == (3,)
    assert snapshot.challenges[3].revealed


def test_quiz_history_and_due_questions(clock: Clock) -> None:
    outcome = tracker.record_quiz_answer("gil-1", True)
    assert outcome.xp_gained == 10 and outcome.first_pass
    tracker.record_quiz_answer("locks-2", False)
    history = tracker.quiz_history()
    assert history["gil-1"].last_correct and history["gil-1"].box == 1
    assert history["locks-2"].attempts == 1 and not history["locks-2"].last_correct
    assert tracker.due_questions(["gil-1", "locks-2", "new-3"], clock.current) == ["new-3"]
    later = clock.current + timedelta(hours=1)
    assert tracker.due_questions(["gil-1", "locks-2", "new-3"], later) == ["locks-2", "new-3"]


def test_streak_and_daily_bonus_by_local_day(clock: Clock) -> None:
    for _ in range(7):
        tracker.record_example_run(1)
        clock.advance(days=1)
    clock.advance(days=-1)
    snapshot = tracker.progress_snapshot()
    assert snapshot.streak_days == 7 and snapshot.best_streak == 7
    assert {"streak-3", "streak-7"} <= {
        u.achievement.key for u in snapshot.achievements if u.unlocked_at
    }
    daily = tracker.daily_challenge()
    assert daily == daily_challenge(clock.current.date())
    outcome = check(daily.challenge, True)
    assert outcome.daily_bonus == daily.bonus_xp and tracker.progress_snapshot().daily_done


def test_profiles_are_separate_and_validated(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARN_PROFILE")
    tracker.create_profile("bob")
    with pytest.raises(UserError, match="already exists"):
        tracker.create_profile("bob")
    with pytest.raises(UserError, match="not a valid profile name"):
        tracker.create_profile("x'; DROP TABLE events; --")
    with pytest.raises(UserError, match="does not exist"):
        tracker.switch_profile("carol")
    tracker.switch_profile("bob")
    check(1, True)
    assert [p.name for p in tracker.list_profiles() if p.active] == ["bob"]
    monkeypatch.setenv("LEARN_PROFILE", "eve")
    assert tracker.progress_snapshot().xp == 0
    board = tracker.leaderboard()
    assert [(row.rank, row.profile) for row in board] == [(1, "bob")]
    assert board[0].xp == 300 and board[0].passed == 1


def test_default_profile_comes_from_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARN_PROFILE", raising=False)
    monkeypatch.setattr("getpass.getuser", lambda: "Jane Doe")
    assert tracker.progress_snapshot().profile == "Jane-Doe"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(log=events(max_size=30))
def test_stored_ledger_equals_xp_recomputed_from_the_attempts(
    log: list[Activity], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as home:
        monkeypatch.setenv("LEARN_HOME", home)
        monkeypatch.setenv("LEARN_PROFILE", "prop")
        record_all(log, monkeypatch)
        ledger, replayed = tracker.verify_ledger()
        assert ledger == replayed == Tally.replay(log).xp
        assert tracker.progress_snapshot().xp == ledger


def record_all(log: list[Activity], monkeypatch: pytest.MonkeyPatch) -> None:
    """Feed events through the public API at their own times."""
    for event in log:
        monkeypatch.setattr(_env, "now", lambda e=event: e.at)
        if event.kind is ActivityKind.ATTEMPT:
            assert event.challenge is not None and event.passed is not None
            tracker.record_attempt(
                challenge=event.challenge,
                passed=event.passed,
                finding_kinds=list(event.finding_kinds),
                findings_summary=event.summary,
                seconds=event.seconds,
                code_hash=event.code_hash,
                seed=event.seed,
                performance_ratio=event.performance_ratio,
                difficulty=event.difficulty,
                bug_class=event.bug_class,
            )
        elif event.kind is ActivityKind.HINT:
            tracker.record_hint(event.challenge or 1)
        elif event.kind is ActivityKind.REVEAL:
            tracker.record_solution_reveal(event.challenge or 1)
        elif event.kind is ActivityKind.EXAMPLE:
            tracker.record_example_run(int(event.subject))
        elif event.kind is ActivityKind.QUIZ:
            tracker.record_quiz_answer(event.subject, bool(event.passed))
        else:
            module, _, pattern = event.subject.partition(":")
            tracker.record_practical_run(module, pattern or None)


@pytest.fixture
def v1_database(clock: Clock) -> Iterator[Path]:
    """A database left by version 1 of the schema, with two recorded checks."""
    db = SqliteDatabase(sqlite_path())
    migrate(db, target=1)
    pid = _store.ensure_profile(db, "ada", clock.current)
    for passed in (False, True):
        db.execute(
            "INSERT INTO events (profile_id, kind, at, challenge, passed, difficulty, bug_class, xp) "
            "VALUES (?, 'attempt', ?, 1, ?, 3, 'race', 0)",
            (pid, "2026-05-30T10:00:00+00:00", int(passed)),
        )
    db.close()
    yield sqlite_path()


def test_an_older_schema_is_migrated_in_place_without_losing_data(v1_database: Path) -> None:
    snapshot = tracker.progress_snapshot()
    assert snapshot.attempts == 2 and snapshot.challenges[0].status == "passed"
    assert snapshot.xp == 375 and tracker.verify_ledger() == (375, 375)
    assert "class-race" in {u.achievement.key for u in snapshot.achievements if u.unlocked_at}
    with session() as db:
        assert schema_version(db) == CURRENT_VERSION
        assert db.execute("SELECT DISTINCT day FROM events") == [("2026-05-30",)]


def test_a_version_3_ledger_is_re_derived_for_the_daily_within_reach(clock: Clock) -> None:
    # Version 3 paid the daily bonus for a calendar-only pick; version 4 re-derives the ledger.
    check(1, True)
    with session() as db:
        db.execute("UPDATE events SET xp = xp + 150, daily_bonus = 150")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    xp, replayed = tracker.verify_ledger()
    assert xp == replayed == tracker.progress_snapshot().xp
    with session() as db:
        assert schema_version(db) == CURRENT_VERSION


def test_a_newer_schema_is_refused_clearly(clock: Clock) -> None:
    tracker.record_example_run(1)
    with session() as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(UserError, match="schema version 99, newer than this learn understands"):
        tracker.progress_snapshot()


def test_a_corrupted_file_is_reported_left_alone_and_repaired_only_when_confirmed(
    clock: Clock,
) -> None:
    path = sqlite_path()
    path.parent.mkdir(parents=True)
    garbage = b"this is not sqlite" * 100
    path.write_bytes(garbage)
    with pytest.raises(UserError, match=r"damaged or unreadable .*learn repair-progress --yes"):
        tracker.progress_snapshot()
    with pytest.raises(UserError, match="damaged"):
        check(1, True)
    with pytest.raises(UserError, match="learn repair-progress --yes"):
        tracker.repair_progress(confirmed=False)
    assert path.read_bytes() == garbage
    result = tracker.repair_progress(confirmed=True)
    assert result.backup is not None and result.backup.read_bytes() == garbage
    assert "damaged-20260601T090000" in result.backup.name
    assert check(1, True).total_xp == 300
    assert tracker.repair_progress(confirmed=True).healthy


def test_a_database_damaged_inside_is_detected(clock: Clock) -> None:
    for i in range(200):
        check(1 + i % 16, False, code_hash=f"{i:040d}")
    path = sqlite_path()
    with session() as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):
        data[offset : offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="damaged"):
        tracker.progress_snapshot()
    assert tracker.repair_progress(confirmed=True).backup is not None
    assert tracker.progress_snapshot().xp == 0


def test_wal_mode_and_write_transactions(clock: Clock) -> None:
    tracker.record_example_run(2)
    conn = sqlite3.connect(sqlite_path())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
