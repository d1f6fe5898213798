"""The shared leaderboard on PostgreSQL: same schema, migrations, ledger and concurrency rules.

Uses the machine's PostgreSQL (``LEARN_TEST_POSTGRES_URL``, default the local ``test``
database); each test gets its own schema, dropped afterwards. Skipped when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

import tracker
from tests.functional.test_tracker_concurrency import start_writers
from tracker import _store
from tracker._schema import CURRENT_VERSION
from tracker._service import session
from tracker.achievements import unlocked
from usererror import UserError

BASE_URL = os.environ.get("LEARN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(BASE_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {BASE_URL}: {error}")
    schema = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in BASE_URL else "?"
    url = f"{BASE_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    monkeypatch.setenv("LEARN_DATABASE_URL", url)
    try:
        yield schema
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def passes(challenge: int, difficulty: int = 1) -> tracker.AttemptOutcome:
    return tracker.record_attempt(
        challenge=challenge,
        passed=True,
        finding_kinds=[],
        findings_summary="",
        seconds=1.0,
        code_hash=f"pg-{challenge}",
        seed=5,
        performance_ratio=None,
        difficulty=difficulty,
        bug_class="race",
    )


def test_a_class_shares_one_leaderboard(postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "ada")
    assert passes(1, difficulty=3).xp_gained == 450
    tracker.record_hint(2)
    monkeypatch.setenv("LEARN_PROFILE", "grace")
    passes(1)
    board = tracker.leaderboard()
    assert [(r.rank, r.profile, r.xp, r.passed) for r in board] == [
        (1, "ada", 450, 1),
        (2, "grace", 150, 1),
    ]
    with session() as db:
        assert db.dialect == "postgresql"
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'") == [
            (str(CURRENT_VERSION),)
        ]
    assert tracker.verify_ledger() == (150, 150)


def test_profile_names_are_validated_and_queries_parameterized(
    postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match="not a valid profile name"):
        tracker.create_profile("robert'); DROP TABLE events;--")
    monkeypatch.setenv("LEARN_PROFILE", "o.brien-2")
    tracker.record_quiz_answer("it's a 'quoted' id; --", True)
    assert "it's a 'quoted' id; --" in tracker.quiz_history()


def test_concurrent_writers_on_postgresql(postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "crowd")
    procs = start_writers(4, 25)
    for proc in procs:
        _, err = proc.communicate(timeout=100)
        assert proc.returncode == 0, err
    with session() as db:
        pid = _store.profile_id(db, "crowd")
        assert pid is not None
        hashes = [
            row[0]
            for row in db.execute("SELECT code_hash FROM events WHERE profile_id = ?", (pid,))
        ]
        history = _store.load_history(db, pid)
        assert _store.ledger_total(db, pid) == history.xp
        assert set(_store.achievement_dates(db, pid)) == unlocked(history)
    assert sorted(hashes) == sorted(f"w{w}-{i}" for w in range(4) for i in range(25))
