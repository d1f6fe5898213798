"""The recorded workspace, resuming, `learn doctor`, and commands that only look writing nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def learn(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run `learn` in a fresh interpreter from ``cwd`` (outside the repo in these tests)."""
    return subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tree(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` with a hash of its content (a missing folder is empty)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            found[str(path)] = (
                "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
            )
    return found


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside the repo, with no LEARN_WORKSPACE: only the recorded workspace counts."""
    monkeypatch.delenv("LEARN_WORKSPACE")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_init_records_the_workspace_and_every_command_uses_it_from_any_directory(
    outside: Path, tmp_path: Path
) -> None:
    made = learn("init", cwd=outside)
    assert made.returncode == 0, made.stderr
    workspace = (outside / "concurrency-lab-workspace").resolve()
    assert str(workspace) in made.stdout.replace("\n", "")
    assert workspace.is_dir()

    other = tmp_path / "somewhere" / "else"
    other.mkdir(parents=True)
    started = learn("challenge", "2", cwd=other)
    assert started.returncode == 0, started.stderr
    folder = workspace / "challenge02_race"
    assert (folder / "program.py").is_file() and (folder / "README.md").is_file()
    assert str(folder / "program.py") in started.stdout.replace("\n", "")
    assert not (other / "workspace").exists() and not (other / "concurrency-lab-workspace").exists()

    hint = learn("hint", "2", cwd=other)
    assert hint.returncode == 0, hint.stderr
    assert "# Hints for challenge 2" in (folder / "HINTS.md").read_text(encoding="utf-8")

    resumed = learn(cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    text = resumed.stdout.replace("\n", " ")
    assert (
        "challenge  2:" in text and str(folder / "program.py") in text and "learn check 2" in text
    )


def test_learn_workspace_overrides_the_recorded_one(outside: Path, tmp_path: Path) -> None:
    assert learn("init", str(tmp_path / "recorded"), cwd=outside).returncode == 0
    override = tmp_path / "override"
    result = learn("challenge", "1", cwd=outside, env={"LEARN_WORKSPACE": str(override)})
    assert result.returncode == 0, result.stderr
    assert (override / "challenge01_deadlock" / "program.py").is_file()
    assert not (tmp_path / "recorded" / "challenge01_deadlock").exists()


def test_without_a_workspace_commands_say_to_run_init_and_write_nothing(
    outside: Path, tmp_path: Path
) -> None:
    home = tmp_path / "learn-home"
    for args in (
        ("challenge", "1"),
        ("check", "1"),
        ("run", "challenge", "1"),
        ("reset", "1", "--yes"),
    ):
        result = learn(*args, cwd=outside)
        assert result.returncode == 2, (args, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "learn init" in lines[0], (args, result.stderr)
    assert tree(outside, home) == {}


def test_run_challenge_without_a_copy_names_the_path_and_creates_nothing(tmp_path: Path) -> None:
    result = learn("run", "challenge", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert str(
        tmp_path / "workspace" / "challenge01_deadlock" / "program.py"
    ) in result.stderr.replace("\n", "")
    assert not (tmp_path / "workspace").exists()


LOOKING = [
    (),
    ("list",),
    ("list", "lessons"),
    ("progress",),
    ("show", "example", "1"),
    ("daily",),
    ("achievements",),
    ("doctor", "--no-services"),
]


@pytest.mark.parametrize("with_progress", [False, True], ids=["fresh", "with-progress"])
def test_commands_that_only_look_write_nothing(
    outside: Path, tmp_path: Path, with_progress: bool
) -> None:
    home = tmp_path / "learn-home"
    workspace = tmp_path / "ws"
    if with_progress:
        assert learn("init", str(workspace), cwd=outside).returncode == 0
        assert learn("challenge", "3", cwd=outside).returncode == 0
        assert learn("check", "3", cwd=outside, timeout=120).returncode == 1
    before = tree(outside, home, workspace)
    for args in LOOKING:
        result = learn(*args, cwd=outside)
        # doctor exits 1 when there is no workspace yet: it says so, it does not create one
        assert result.returncode in ((0, 1) if args[:1] == ("doctor",) else (0,)), (
            args,
            result.stderr,
        )
        assert tree(outside, home, workspace) == before, args


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_opening_the_tui_writes_nothing(
    outside: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interactive.app import LearnTui
    from learner.workspace import init_workspace

    init_workspace(tmp_path / "ws")
    monkeypatch.chdir(outside)
    home, workspace = tmp_path / "learn-home", tmp_path / "ws"
    before = tree(outside, home, workspace)
    app = LearnTui()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")  # the challenge browser lists all 16
        await pilot.pause()
    assert tree(outside, home, workspace) == before


def test_watch_without_a_number_watches_the_current_challenge_and_answers_keys(
    tmp_path: Path,
) -> None:
    assert learn("challenge", "4", cwd=tmp_path).returncode == 0
    result = learn("watch", cwd=tmp_path, stdin="l\nh\nq\n", timeout=180)
    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\n", "")
    assert "challenge04" in out
    assert "Challenges" in out  # l: the list
    assert "Hints for challenge 4" in out  # h: a hint for the current challenge


def test_watch_next_key_moves_on_with_the_story() -> None:
    from learner.watch import WatchLoop

    graded: list[int] = []
    introduced: list[int] = []
    loop = WatchLoop(
        3,
        lambda n: graded.append(n) is not None,
        announce=lambda _: None,
        settle_seconds=0.01,
        introduce=introduced.append,
    )
    for signal in ("next", "quit"):
        loop.signals.put(signal)  # type: ignore[arg-type]
    loop.run()
    assert introduced == [4] and loop.number == 4
    assert graded == [3, 4]


def test_doctor_reports_python_workspace_progress_and_extras(tmp_path: Path) -> None:
    result = learn("doctor", "--no-services", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Python {sys.version.split()[0]}" in out
    assert "GIL" in out
    assert str(tmp_path / "workspace") in out.replace("\n", "")
    assert "nothing recorded yet" in out
    assert "extra 'practical'" in out and "extra 'bench'" in out


def test_doctor_without_a_workspace_fails_and_says_learn_init(outside: Path) -> None:
    result = learn("doctor", "--no-services", cwd=outside)
    assert result.returncode == 1
    assert "learn init" in result.stdout


def test_a_grader_failure_exits_3_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cli
    import evaluator
    import tracker
    from evaluator import GradeResult
    from usererror import ExitCode

    def broken_grader(path: Path, **_: object) -> GradeResult:
        return GradeResult(
            challenge=1,
            passed=False,
            findings=(),
            checks=(),
            seconds=0.0,
            seed=7,
            internal_errors=("spec crashed",),
        )

    monkeypatch.setattr(evaluator, "grade", broken_grader)
    program = ROOT / "solutions" / "challenge01_deadlock" / "global_order.py"
    with pytest.raises(SystemExit) as stopped:
        cli.app(args=["check", "1", "--file", str(program)])
    assert stopped.value.code == ExitCode.GRADER_ERROR == 3
    assert "grader error" in capsys.readouterr().out
    assert tracker.challenge_statuses() == {}
    assert not (tmp_path / "learn-home" / "progress.sqlite3").exists()


def test_solution_shows_what_differs_from_the_learners_copy(tmp_path: Path) -> None:
    assert learn("challenge", "2", cwd=tmp_path).returncode == 0
    copy = tmp_path / "workspace" / "challenge02_race" / "program.py"
    diffed = learn("solution", "2", "--reveal", "--yes", cwd=tmp_path)
    assert diffed.returncode == 0, diffed.stderr
    assert "--- your " in diffed.stdout and "+++ " in diffed.stdout
    assert f"what differs from your copy {copy}" in diffed.stdout
    whole = learn("solution", "2", "--reveal", "--yes", "--full", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert "--- your" not in whole.stdout
    assert len(diffed.stdout.splitlines()) < len(whole.stdout.splitlines())


def test_achievement_texts_use_the_right_article(tmp_path: Path) -> None:
    result = learn("achievements", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Pass an invariant challenge" in text and "Pass an unbounded-queue challenge" in text
    assert "Pass a invariant" not in text and "Pass a unbounded" not in text


def test_check_with_file_needs_no_workspace(outside: Path) -> None:
    """`learn check N --file PATH` grades that file: no workspace is needed, and the replay line
    names the file."""
    solution = ROOT / "solutions" / "challenge04_rate_limiter" / "locked_bucket.py"
    result = learn("check", "4", "--file", str(solution), cwd=outside, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    original = ROOT / "challenges" / "challenge04_rate_limiter" / "program.py"
    failing = learn("check", "4", "--file", str(original), cwd=outside, timeout=180)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "--file" in " ".join(failing.stdout.split()) and "--replay 1" in failing.stdout
