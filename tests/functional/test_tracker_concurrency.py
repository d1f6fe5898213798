"""Several `learn` processes recording at once lose and double-count nothing; a process
killed with SIGKILL in the middle of a write leaves a consistent database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import tracker
from tracker import _store
from tracker._db import sqlite_path
from tracker._service import session
from tracker.achievements import unlocked

WRITER = Path(__file__).with_name("tracker_writer.py")


def start_writers(count: int, attempts: int, *extra: str) -> list[subprocess.Popen[str]]:
    """Start writers and release them together once every one is ready."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(worker), str(attempts), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return procs


def assert_consistent(profile: str = "crowd") -> list[str]:
    """Integrity, ledger == replay, achievements == what the events earn; return the code hashes."""
    conn = sqlite3.connect(sqlite_path())
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with session() as db:
        pid = _store.profile_id(db, profile)
        assert pid is not None
        history = _store.load_history(db, pid)
        assert _store.ledger_total(db, pid) == history.xp
        assert set(_store.achievement_dates(db, pid)) == unlocked(history)
        return [
            str(row[0])
            for row in db.execute("SELECT code_hash FROM events WHERE profile_id = ?", (pid,))
        ]


def test_eight_processes_times_fifty_attempts_lose_and_duplicate_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "crowd")
    procs = start_writers(8, 50)
    for proc in procs:
        out, err = proc.communicate(timeout=100)
        assert proc.returncode == 0, err
        assert out.count("recorded") == 50
    hashes = assert_consistent()
    expected = {f"w{w}-{i}" for w in range(8) for i in range(50)}
    assert len(hashes) == 400, f"{400 - len(hashes)} lost"
    assert set(hashes) == expected and len(set(hashes)) == len(hashes), "duplicated"
    assert tracker.progress_snapshot().attempts == 400


def test_sigkill_inside_a_write_leaves_a_consistent_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "crowd")
    (proc,) = start_writers(1, 6, "--hang-inside-write")
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(6)]
    assert lines == [f"recorded {i}" for i in range(5)] + ["inside"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    hashes = assert_consistent()
    assert hashes == [f"w0-{i}" for i in range(5)], (
        "the killed write must vanish, the committed ones stay"
    )
    tracker.record_attempt(
        challenge=9,
        passed=True,
        finding_kinds=[],
        findings_summary="",
        seconds=1,
        code_hash="after",
        seed=1,
        performance_ratio=None,
        difficulty=1,
        bug_class="race",
    )
    assert assert_consistent()[-1] == "after"


def test_concurrent_killed_and_live_writers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer killed while holding the write lock does not block or corrupt the others."""
    monkeypatch.setenv("LEARN_PROFILE", "crowd")
    (victim,) = start_writers(1, 1, "--hang-inside-write")
    assert victim.stdout is not None and victim.stdout.readline().strip() == "inside"
    live = start_writers(3, 10)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    for proc in live:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    hashes = assert_consistent()
    assert sorted(hashes) == sorted(f"w{w}-{i}" for w in range(3) for i in range(10))
