"""A new learner's whole journey, through real `learn` subprocesses in a fresh home.

lesson -> challenge -> failing check with evidence -> hint -> fix (a reference solution copied
into the workspace) -> passing check with XP and achievements -> solution unlocked -> export ->
import into another home -> quiz -> daily challenge (second profile) -> leaderboard.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEARN = [sys.executable, str(ROOT / "cli.py")]


class Learner:
    """Runs `learn` as a learner would, in one home and workspace."""

    def __init__(self, home: Path, workspace: Path) -> None:
        self.env = {
            **os.environ,
            "LEARN_HOME": str(home),
            "LEARN_WORKSPACE": str(workspace),
            "COLUMNS": "200",
            "TERM": "dumb",
        }
        self.env.pop("LEARN_PROFILE", None)
        self.workspace = workspace

    def __call__(self, *args: str, code: int = 0, typed: str = "") -> str:
        """Run `learn ARGS` (``typed`` on stdin); assert its exit code and no traceback; return the output."""
        done = subprocess.run(
            [*LEARN, *args],
            capture_output=True,
            text=True,
            timeout=90,
            input=typed,
            env=self.env,
            cwd=self.workspace.parent,
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        assert done.returncode == code, f"learn {' '.join(args)}: {done.stdout}{done.stderr}"
        return " ".join((done.stdout + done.stderr).split())

    def fix(self, number: int) -> None:
        """Overwrite the workspace copy with a reference solution, as a learner fixing it would."""
        (solution,) = (ROOT / "solutions").glob(f"challenge{number:02d}_*")
        (copy,) = self.workspace.glob(f"challenge{number:02d}_*/program.py")
        shutil.copyfile(min(solution.glob("[!_]*.py")), copy)


@pytest.mark.slow
def test_a_new_learners_journey(tmp_path: Path) -> None:
    learn = Learner(tmp_path / "home", tmp_path / "workspace")
    learn("profile", "create", "ada")
    assert "active profile: ada" in learn("profile", "switch", "ada")

    lesson = learn("run", "example", "1", "--threads")
    assert "learn challenge 2" in lesson  # lesson 1 leads to the lost-update challenge

    intro = learn("challenge", "1")
    assert "The bank that froze" in intro and "learn check 1" in intro

    failing = learn("check", "1", code=1)
    assert "FAIL deadlock" in failing
    assert re.search(r"holds Lock .* waits for Lock", failing), failing
    assert "replay: learn check 1 --replay" in failing
    assert "Brave Submission" in failing

    assert "1/4" in learn("hint", "1")
    assert "solutions unlock once you pass challenge 1" in learn("solution", "1", code=2)

    learn.fix(1)
    passing = learn("check", "1")
    assert "Every check passed" in passing
    assert re.search(r"\+\d+ XP", passing) and "achievement unlocked" in passing
    assert "It Works!" in passing
    assert "global_order" in learn("solution", "1")

    progress = learn("progress")
    xp = re.search(r"(\d+) XP", progress)
    assert xp is not None, progress

    exported = tmp_path / "ada.json"
    events = re.search(r"exported (\d+) recorded events", learn("export", str(exported)))
    assert events is not None
    other_machine = Learner(tmp_path / "home2", tmp_path / "workspace2")
    imported = other_machine("import", str(exported))
    assert f"imported profile ada: {events[1]} events, {xp[1]} XP" in imported
    other_machine("profile", "switch", "ada")
    assert f"{xp[1]} XP" in other_machine("progress")

    quiz = learn("quiz", "--count", "2", "--seed", "1", typed="1\n1\n")
    correct = re.search(r"(\d)/2 correct", quiz)
    assert correct is not None, quiz
    assert f"quiz {correct[1]} correct" in learn("progress")

    learn("profile", "create", "grace")
    learn("profile", "switch", "grace")
    daily = learn("daily")
    number = int(re.search(r"challenge (\d+) ·", daily)[1])  # type: ignore[index]
    learn("challenge", str(number))
    learn.fix(number)
    assert "daily" in learn("check", str(number)).lower()
    assert "bonus earned today" in learn("daily")

    board = learn("leaderboard")
    assert "ada" in board and "grace" in board
