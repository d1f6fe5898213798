"""`learn` installed with `uv tool install` works from any directory outside the repo.

The tool is installed from this checkout into a temporary tool folder, then every command a
learner uses runs from a folder outside the repo: it must find the lessons, the challenges,
the solutions and the workspace recorded by `learn init`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # installs, then grades twice

UV = os.environ.get("UV") or shutil.which("uv")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `learn` executable of a fresh `uv tool install` of this checkout."""
    if UV is None:
        pytest.skip("uv is not installed: the test needs `uv tool install`")
    base = tmp_path_factory.mktemp("uv-tool")
    env = {**os.environ, "UV_TOOL_DIR": str(base / "tools"), "UV_TOOL_BIN_DIR": str(base / "bin")}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [UV, "tool", "install", str(ROOT)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    learn = base / "bin" / "learn"
    assert learn.exists(), result.stderr
    yield learn


def test_every_command_works_from_outside_the_repo(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEARN_WORKSPACE")
    start, elsewhere = tmp_path / "start", tmp_path / "elsewhere"
    start.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def learn(*args: str, cwd: Path = elsewhere, code: int = 0) -> str:
        result = subprocess.run(
            [str(installed), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == code, (args, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stdout + result.stderr, args
        return result.stdout.replace("\n", " ")

    # the installed copy, not the checkout
    version = learn("--version")
    assert version.startswith("concurrency-lab ")
    assert "Usage" in learn("--help")
    listed = learn("list")
    assert "Lessons" in listed and "Challenges" in listed and "The bank that froze" in listed
    assert "learn run example 1" in learn("show", "example", "1")
    assert learn("run", "example", "1", "--asyncio")
    assert "Next" in learn()

    learn("init", cwd=start)
    workspace = (start / "concurrency-lab-workspace").resolve()
    started = learn("challenge", "1")
    copy = workspace / "challenge01_deadlock" / "program.py"
    assert copy.is_file() and str(copy) in started
    assert not any(elsewhere.iterdir()), "nothing is written to the current directory"
    assert str(copy) in learn("run", "challenge", "1", "--timeout", "3")
    assert "Deadlock" in learn("check", "1", code=1)
    assert "Hints for challenge 1" in learn("hint", "1")
    assert (copy.parent / "HINTS.md").is_file()
    assert str(copy) in learn()
    assert "Level" in learn("progress")
    learn("daily")
    learn("achievements")
    learn("leaderboard")
    learn("profile", "list")
    learn("export", str(tmp_path / "progress.json"))
    learn("quiz", "--list-topics")
    learn("practical", "list")
    learn("bench", "list")
    assert "workspace" in learn("doctor", "--no-services")
    assert "Lock" in learn("solution", "1", "--reveal", "--yes")
    learn("reset", "1", "--yes")

    solution = installed.parent.parent / "solutions-check.py"
    shutil.copy(ROOT / "solutions" / "challenge01_deadlock" / "global_order.py", solution)
    assert "Passed" in learn("check", "1", "--file", str(solution))

    # an optional extra that is missing names the command for this installation
    missing = subprocess.run(
        [str(installed), "practical", "run", "duckdb"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2
    assert f"uv tool install --force '{ROOT}[practical]'" in missing.stderr.replace("\n", "")
