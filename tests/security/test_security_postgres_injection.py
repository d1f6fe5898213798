"""The shared PostgreSQL leaderboard stores hostile text verbatim in every column it fills
from the learner (attempt fields, quiz ids, imported files) and stays intact.

Uses the `postgres` fixture of the tracker's PostgreSQL tests (a private schema per test;
skipped when no server answers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracker
from tests.functional.test_tracker_postgres import postgres  # noqa: F401  (fixture)
from tracker._service import session

HOSTILE = [
    "x'); DROP TABLE events;--",
    "'; UPDATE events SET xp = 1000000; --",
    '" OR 1=1 --',
    "$$; DELETE FROM profiles; $$",
    "\\'; TRUNCATE achievements; --",
    "%s %(x)s ? :name",
    "Robert'); DROP TABLE profiles CASCADE;--\u202e",
]


def _tables(schema: str) -> set[str]:
    with session() as db:
        rows = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", (schema,)
        )
    return {row[0] for row in rows}


def test_every_stored_input_is_a_parameter(
    postgres: str,  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "ada")
    tracker.record_hint(1)
    tables = _tables(postgres)
    for index, text in enumerate(HOSTILE):
        tracker.record_attempt(
            challenge=1 + index,
            passed=index % 2 == 0,
            finding_kinds=[text, "race"],
            findings_summary=text,
            seconds=1.0,
            code_hash=text,
            seed=index,
            performance_ratio=None,
            difficulty=1,
            bug_class=text,
        )
        tracker.record_quiz_answer(text, True)
    assert _tables(postgres) == tables
    with session() as db:
        stored = db.execute(
            "SELECT summary, code_hash, bug_class, finding_kinds FROM events WHERE kind = 'attempt'"
        )
        subjects = {row[0] for row in db.execute("SELECT subject FROM events WHERE kind = 'quiz'")}
    assert sorted(row[0] for row in stored) == sorted(HOSTILE)
    assert all(row[0] == row[1] == row[2] and row[0] in row[3] for row in stored)
    assert subjects == set(HOSTILE)
    board = {row.profile: row for row in tracker.leaderboard()}
    assert set(board) == {"ada"} and board["ada"].passed == 4
    assert tracker.verify_ledger()[0] == tracker.verify_ledger()[1]

    exported = tmp_path / "ada.json"
    tracker.export_progress(exported)
    assert HOSTILE[0] in exported.read_text(encoding="utf-8")
    result = tracker.import_progress(exported, confirmed=False, as_profile="ada-copy")
    assert (result.profile, result.xp) == ("ada-copy", board["ada"].xp)
    assert json.loads(exported.read_text(encoding="utf-8"))["profile"] == "ada"
    assert _tables(postgres) == tables
    assert {row.profile for row in tracker.leaderboard()} == {"ada", "ada-copy"}
