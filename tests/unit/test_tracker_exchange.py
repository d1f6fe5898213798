"""Export → import round-trips; tampered or malformed files are rejected with a clear message."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import tracker
from tests.unit.test_tracker_store import record_all
from tests.unit.tracker_strategies import events
from tracker.exchange import checksum, export_document
from tracker.models import Activity
from usererror import UserError


def snapshot_view(profile: str) -> tuple[Any, ...]:
    """What a learner sees of a profile, minus the profile name."""
    s = tracker.progress_snapshot()
    assert s.profile == profile
    unlocked = {(u.achievement.key, u.unlocked_at) for u in s.achievements if u.unlocked_at}
    return s.xp, s.challenges, s.examples_done, s.quiz_correct, s.attempts, s.best_streak, unlocked


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(log=events(max_size=25))
def test_export_then_import_round_trips(
    log: list[Activity], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        monkeypatch.setenv("LEARN_HOME", first)
        monkeypatch.setenv("LEARN_PROFILE", "mover")
        record_all(log, monkeypatch)
        before = snapshot_view("mover")
        exported = Path(first) / "progress.json"
        tracker.export_progress(exported)
        monkeypatch.setenv("LEARN_HOME", second)
        result = tracker.import_progress(exported, confirmed=False)
        assert (result.profile, result.events, result.xp) == ("mover", len(log), before[0])
        assert snapshot_view("mover") == before
        assert tracker.verify_ledger() == (before[0], before[0])


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEARN_PROFILE", "ada")
    tracker.record_attempt(
        challenge=2,
        passed=True,
        finding_kinds=[],
        findings_summary="",
        seconds=1.0,
        code_hash="c",
        seed=3,
        performance_ratio=None,
        difficulty=1,
        bug_class="race",
    )
    path = tmp_path / "ada.json"
    tracker.export_progress(path)
    return path


def rewrite(path: Path, change: Any, *, fix_checksum: bool) -> None:
    document = json.loads(path.read_text())
    change(document)
    if fix_checksum:
        document["checksum"] = checksum(document)
    path.write_text(json.dumps(document))


def test_importing_over_existing_progress_needs_yes(exported: Path) -> None:
    with pytest.raises(UserError, match="already has progress here: rerun with --yes"):
        tracker.import_progress(exported, confirmed=False)
    assert tracker.import_progress(exported, confirmed=True).replaced
    result = tracker.import_progress(exported, confirmed=False, as_profile="ada-laptop")
    assert result.profile == "ada-laptop" and result.xp == 150


@pytest.mark.parametrize(
    ("change", "fix_checksum", "message"),
    [
        (lambda d: d.update(xp=99_999), False, "checksum does not match"),
        (lambda d: d["events"].pop(), False, "checksum does not match"),
        (lambda d: d.update(xp=99_999), True, "claims 99999 XP but its attempts earn 150"),
        (
            lambda d: d["achievements"].update({"all-done": "2026-01-01T00:00:00+00:00"}),
            True,
            "claims achievements its attempts do not earn: all-done",
        ),
        (
            lambda d: d["achievements"].update({"made-up": "2026-01-01T00:00:00+00:00"}),
            True,
            "achievements this version does not know",
        ),
        (lambda d: d["events"][0].update(difficulty="5"), True, "malformed"),
        (lambda d: d["events"][0].update(kind="cheat"), True, "malformed"),
        (lambda d: d["events"][0].update(at="yesterday"), True, "malformed"),
        (lambda d: d.update(profile="../../etc"), True, "not a valid profile name"),
        (lambda d: d.update(version=7), False, "newer concurrency-lab"),
        (
            lambda d: d.update(format="something-else"),
            False,
            "not a concurrency-lab progress export",
        ),
    ],
)
def test_tampered_or_malformed_files_are_rejected(
    exported: Path, change: Any, fix_checksum: bool, message: str
) -> None:
    rewrite(exported, change, fix_checksum=fix_checksum)
    with pytest.raises(UserError, match=message) as caught:
        tracker.import_progress(exported, confirmed=True, as_profile="other")
    assert caught.value.message.endswith("nothing was changed")
    assert [p.name for p in tracker.list_profiles()] == ["ada"]


def test_not_json_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    with pytest.raises(UserError, match="not valid JSON"):
        tracker.import_progress(broken, confirmed=True)
    with pytest.raises(UserError, match="cannot read"):
        tracker.import_progress(tmp_path / "absent.json", confirmed=True)


def test_the_export_never_carries_a_trusted_xp_field_alone(exported: Path) -> None:
    document = export_document("ada")
    assert document["xp"] == 150 and document["checksum"].startswith("sha256:")
    assert document["checksum"] == checksum(document)
