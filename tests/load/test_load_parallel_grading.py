"""Sixteen `learn check` processes at once, one per challenge, in one learner's home: every
grade belongs to its own challenge and file (no cross-talk) and every attempt is recorded
exactly once (nothing lost to concurrent writers)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from learner.workspace import code_hash
from tracker._env import DATABASE_FILE

ROOT = Path(__file__).resolve().parents[2]
CHALLENGES = range(1, 17)


def _solution(number: int) -> Path:
    (folder,) = (ROOT / "solutions").glob(f"challenge{number:02d}_*")
    return min(folder.glob("[!_]*.py"))


@pytest.mark.slow
def test_sixteen_gradings_in_parallel(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "LEARN_HOME": str(home),
        "LEARN_WORKSPACE": str(tmp_path / "ws"),
        "LEARN_PROFILE": "crowd",
    }
    submissions = {}
    for number in CHALLENGES:
        # Original (failing) programs for even numbers, fixes for odd ones: both verdicts in flight.
        source = (
            _solution(number)
            if number % 2
            else next((ROOT / "challenges").glob(f"challenge{number:02d}_*/program.py"))
        )
        submission = tmp_path / f"submission{number:02d}" / "program.py"
        submission.parent.mkdir()
        submission.write_bytes(source.read_bytes())
        submissions[number] = submission

    def check(number: int) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            str(ROOT / "cli.py"),
            "check",
            str(number),
            "--file",
            str(submissions[number]),
            "--json",
        ]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=110)

    with ThreadPoolExecutor(len(CHALLENGES)) as pool:
        done = dict(zip(CHALLENGES, pool.map(check, CHALLENGES), strict=True))

    for number, run in done.items():
        assert "Traceback" not in run.stderr, run.stderr
        grade = json.loads(run.stdout)
        assert grade["challenge"] == number
        assert run.returncode == (0 if grade["passed"] else 1)
    with sqlite3.connect(home / DATABASE_FILE) as db:
        recorded = db.execute(
            "SELECT challenge, passed, code_hash FROM events WHERE kind = 'attempt' ORDER BY challenge"
        ).fetchall()
    assert recorded == [
        (n, int(json.loads(done[n].stdout)["passed"]), code_hash(submissions[n]))
        for n in CHALLENGES
    ]
    failing_originals = [
        n for n in CHALLENGES if n % 2 == 0 and json.loads(done[n].stdout)["passed"]
    ]
    assert not failing_originals, f"original programs passed under load: {failing_originals}"
