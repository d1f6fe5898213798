"""`learn challenge/hint/solution/reset/check` as a learner types them (a subprocess each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from challenges import get_challenge
from solutions._registry import solution_set

LEARN = [sys.executable, str(Path(__file__).resolve().parents[2] / "cli.py")]


def learn(*args: str, input: str | None = None) -> tuple[int, str]:
    """Exit code and the combined, whitespace-normalised output."""
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    result = subprocess.run(
        [*LEARN, *args], capture_output=True, text=True, timeout=90, env=env, input=input or ""
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_challenge_creates_the_copy_and_keeps_it(tmp_path: Path) -> None:
    code, out = learn("challenge", "1")
    assert code == 0 and "The bank that froze" in out
    copy = tmp_path / "workspace" / "challenge01_deadlock" / "program.py"
    assert copy.is_file()
    copy.write_text("# mine\n")
    code, out = learn("challenge", "1")
    assert code == 0 and "kept as you left it" in out
    assert copy.read_text() == "# mine\n"


def test_unknown_challenge_is_a_usage_error() -> None:
    for command in (["challenge", "99"], ["hint", "99"], ["check", "99"], ["reset", "99", "--yes"]):
        code, out = learn(*command)
        assert code == 2, command
        assert "does not exist" in out


def test_reset_asks_then_backs_up(tmp_path: Path) -> None:
    learn("challenge", "2")
    copy = tmp_path / "workspace" / "challenge02_race" / "program.py"
    copy.write_text("# attempt\n")
    code, out = learn("reset", "2", input="n\n")
    assert code != 0 and copy.read_text() == "# attempt\n"
    assert "unchanged" in out and "interrupted" not in out
    code, out = learn("reset", "2", "--yes")
    assert code == 0 and "saved at" in out
    assert copy.read_text() == get_challenge(2).program_path.read_text()
    assert list((copy.parent / "backups").glob("program-*.py"))


def test_hints_unlock_one_at_a_time() -> None:
    hints = [" ".join(h.split()) for h in get_challenge(3).spec.hints]
    _, first = learn("hint", "3")
    assert hints[0][:30] in first and hints[1][:30] not in first
    _, second = learn("hint", "3")
    assert hints[1][:30] in second
    for _ in range(len(hints)):
        code, last = learn("hint", "3")
    assert code == 0 and "last hint" in last


def test_solutions_are_gated_until_passed_or_revealed() -> None:
    code, out = learn("solution", "4")
    assert code == 2 and "--reveal" in out
    code, out = learn("solution", "4", "--reveal", input="n\n")
    assert code != 0 and "Not revealed" in out and "interrupted" not in out
    code, out = learn("solution", "4", "--reveal", "--yes")
    assert code == 0 and "gcra" in out and "locked_bucket" in out
    code, out = learn("solution", "4", "--reveal", "--yes", "--approach", "gcra")
    assert code == 0 and "locked_bucket.py" not in out


@pytest.mark.slow
def test_check_exit_codes_and_json() -> None:
    learn("challenge", "7")
    code, out = learn("check", "7", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["passed"] is False and report["findings"]
    solution = solution_set(7).approaches[0].path
    code, _ = learn("check", "7", "--file", str(solution))
    assert code == 0
    code, out = learn("check", "7", "--file", "/nonexistent/program.py")
    assert code == 2
