"""Hostile programs under `learn visualize` / `learn trace` are as contained as under `learn check`.

The visualizer runs the learner's program through :func:`evaluator.sandbox.run_sandboxed`: the
progress folder (``LEARN_HOME``) and the workspace can be neither read nor changed, the
environment does not leak in, and nothing outlives the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interactive.visualizer.runner import LiveRun, Target, run_to_completion

ROOT = Path(__file__).resolve().parents[2]


def _attack(home: Path, pid_file: Path) -> str:
    database = home / "progress.sqlite3"
    return f"""
import os, subprocess, sys
results = []
for name, action in [
    ("write", lambda: open(os.path.join({str(home)!r}, "planted.txt"), "w").write("x")),
    ("read", lambda: open({str(database)!r}, "rb").read(16)),
    ("delete", lambda: os.remove({str(database)!r})),
    ("list", lambda: os.listdir({str(home)!r})),
]:
    try:
        action()
        results.append(name + " succeeded")
    except OSError as error:
        results.append(name + " refused: " + type(error).__name__)
print("; ".join(results), file=sys.stderr)
print("env LEARN_HOME=" + os.environ.get("LEARN_HOME", "<unset>"), file=sys.stderr)
child = subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(600)"],
                         start_new_session=True)
try:
    open({str(pid_file)!r}, "w").write(str(child.pid))
except OSError:
    print("grandchild pid " + str(child.pid), file=sys.stderr)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = (
        Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        if Path(f"/proc/{pid}/stat").exists()
        else "X"
    )
    return state not in ("Z", "X")


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "progress.sqlite3").write_bytes(b"SQLite format 3\x00 my progress")
    monkeypatch.setenv("LEARN_HOME", str(home))
    return home, tmp_path


def _check_untouched(home: Path, stderr: str) -> None:
    assert sorted(p.name for p in home.iterdir()) == ["progress.sqlite3"]
    assert (home / "progress.sqlite3").read_bytes() == b"SQLite format 3\x00 my progress"
    assert "succeeded" not in stderr, stderr
    assert "write refused" in stderr and "read refused" in stderr and "delete refused" in stderr
    assert "env LEARN_HOME=<unset>" in stderr


def _grandchild_gone(stderr: str) -> None:
    pids = [
        int(line.split()[-1]) for line in stderr.splitlines() if line.startswith("grandchild pid")
    ]
    assert pids, stderr
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def test_visualize_cannot_touch_learn_home_nor_leave_a_process(learner: tuple[Path, Path]) -> None:
    home, tmp = learner
    program = tmp / "hostile.py"
    program.write_text(_attack(home, tmp / "pid.txt"), encoding="utf-8")
    run = run_to_completion(Target("challenge", "1", file=program), deadline_s=30)
    stderr = run.errors(lines=50)
    _check_untouched(home, stderr)
    _grandchild_gone(stderr)


def test_learn_trace_runs_in_the_sandbox_too(learner: tuple[Path, Path]) -> None:
    home, tmp = learner
    program = tmp / "hostile.py"
    program.write_text(_attack(home, tmp / "pid.txt"), encoding="utf-8")
    out = tmp / "trace.json"
    env = {
        **os.environ,
        "LEARN_HOME": str(home),
        "LEARN_WORKSPACE": str(tmp / "workspace"),
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "trace",
            "challenge",
            "1",
            "--file",
            str(program),
            "--output",
            str(out),
            "--deadline",
            "30",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
    )
    assert out.exists(), done.stdout + done.stderr
    assert sorted(p.name for p in home.iterdir()) == ["progress.sqlite3"]
    assert (home / "progress.sqlite3").read_bytes() == b"SQLite format 3\x00 my progress"


def test_the_viewer_closing_stops_the_whole_tree(learner: tuple[Path, Path]) -> None:
    _, tmp = learner
    program = tmp / "forever.py"
    program.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('grandchild pid', child.pid, file=sys.stderr, flush=True)\n"
        "time.sleep(600)\n",
        encoding="utf-8",
    )
    run = LiveRun(Target("script", str(program)), deadline_s=60).start()
    deadline = time.monotonic() + 30
    while not run.snapshot().events and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    run.stop()
    assert run.finished and time.monotonic() - started < 5
    _grandchild_gone(run.errors(lines=50))
