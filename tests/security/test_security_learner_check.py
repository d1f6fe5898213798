"""Hostile submissions through the learner's real path: `learn check 1 --file hostile.py`.

Each hostile program runs as a real `learn` subprocess against a real ``LEARN_HOME`` that
already holds progress and a workspace that already holds the learner's work. All of them run
in parallel (the verdicts are independent), and each must end with:

* a failing verdict of the expected kind, exit code 1, JSON on stdout, no traceback;
* the learner's files byte-identical, and the progress database unchanged except for the one
  failed attempt this check records;
* no process left behind: this test process is a child subreaper, so anything that escaped
  the sandbox (double fork + setsid) would be re-parented to it and be seen.

`tests/security/test_sandbox_hostile.py` covers the sandbox itself through ``evaluator.grade``;
this file adds the CLI, the learner's data and the file-system attacks. Run it with ``-s -n 0`` to
see the table of hostile case -> verdict -> seconds.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from challenges import get_challenge
from evaluator import _procs

ROOT = Path(__file__).resolve().parents[2]
LEARN = [sys.executable, str(ROOT / "cli.py")]
CHALLENGE_DEADLINE_S = float(get_challenge(1).spec.time_budget_seconds)
"""Challenge 1's grading deadline; a verdict is due within it plus the sandbox's 2 s grace."""
SLACK_S = 20.0
"""Generous start-up allowance: ten `learn` processes share two loaded cores."""
PR_SET_CHILD_SUBREAPER = 36
PROGRESS_DB = "progress.sqlite3"
LEARNER_FILE = "challenge02_race/program.py"
LEARNER_TEXT = "# my work in progress on challenge 2\ncounter = 0\n"
SOLUTION = (ROOT / "solutions" / "challenge01_deadlock" / "global_order.py").read_text(
    encoding="utf-8"
)


@dataclass(frozen=True)
class Hostile:
    source: str
    kinds: tuple[str, ...]
    """Acceptable finding kinds; empty: the program is otherwise correct and must pass."""
    words: str
    """Must appear in the finding's title or evidence (empty: any)."""


def _file_attack(action: str) -> str:
    """A module that performs ``action`` at import time and lets any error escape."""
    return f"import os, sys\n{action}\nprint('attack succeeded')\n"


HOSTILE: dict[str, Hostile] = {
    "fork bomb": Hostile(
        "import os\nwhile True:\n    os.fork()\n", ("resource-limit", "timeout"), ""
    ),
    "memory bomb": Hostile("hoard = bytearray(64 * 1024**3)\n", ("resource-limit",), "memory"),
    "infinite output": Hostile(
        "while True:\n    print('x' * 65536)\n", ("timeout",), "did not finish"
    ),
    "os._exit": Hostile("import os\nos._exit(3)\n", ("crash",), "exit status 3"),
    "segfault via ctypes": Hostile("import ctypes\nctypes.string_at(0)\n", ("crash",), "SIGSEGV"),
    "SIGTERM ignored": Hostile(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)\n",
        ("timeout",),
        "did not finish",
    ),
    "sleeps forever": Hostile("import time\ntime.sleep(10**6)\n", ("timeout",), "did not finish"),
    # A correct fix that also leaves a detached grandchild behind. Challenge 1 grades deadlocks
    # and has no LeakCheck, so the fix passes on its merits; the sandbox must still kill the
    # grandchild (see test_no_process_is_left_behind). Challenge 3 grades process leaks.
    "detached grandchild": Hostile(
        SOLUTION.replace("{", "{{").replace("}", "}}")
        + textwrap.dedent("""
            import os as _os, time as _time
            if _os.fork() == 0:
                _os.setsid()
                if _os.fork() == 0:
                    _time.sleep(10**6)
                _os._exit(0)
            _os.wait()
        """),
        (),
        "",
    ),
    # The home and workspace paths are filled in per run (see _source).
    "writes the learner's file": Hostile(
        _file_attack("open({workspace_file!r}, 'w').write('hacked')"),
        ("crash",),
        "Error",
    ),
    "writes into LEARN_HOME": Hostile(
        _file_attack("open(os.path.join({home!r}, 'planted.txt'), 'w').write('x')"),
        ("crash",),
        "Error",
    ),
    "reads the progress database": Hostile(
        _file_attack("sys.stdout.write(open({database!r}, 'rb').read(64).hex())"),
        ("crash",),
        "Error",
    ),
    "deletes the progress database": Hostile(
        _file_attack("os.remove({database!r})"), ("crash",), "Error"
    ),
}


@dataclass(frozen=True)
class Outcome:
    case: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    home: Path
    workspace: Path

    @property
    def grade(self) -> dict:
        return json.loads(self.stdout)


def _seed_progress(home: Path, workspace: Path) -> None:
    """A learner who passed challenge 3, asked a hint and has work in progress on challenge 2."""
    env = {
        **os.environ,
        "LEARN_HOME": str(home),
        "LEARN_WORKSPACE": str(workspace),
        "LEARN_PROFILE": "ada",
    }
    script = textwrap.dedent("""
        import tracker
        tracker.record_attempt(challenge=3, passed=True, finding_kinds=[], findings_summary="",
            seconds=1.0, code_hash="seeded", seed=7, performance_ratio=None, difficulty=2,
            bug_class="thread_leak")
        tracker.record_hint(5)
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)
    (workspace / LEARNER_FILE).parent.mkdir(parents=True)
    (workspace / LEARNER_FILE).write_text(LEARNER_TEXT, encoding="utf-8")


def _source(case: str, home: Path, workspace: Path) -> str:
    return HOSTILE[case].source.format(
        home=str(home),
        database=str(home / PROGRESS_DB),
        workspace_file=str(workspace / LEARNER_FILE),
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _rows(database: Path) -> list[str]:
    """The database's rows as SQL, without the id counters (a new attempt legitimately moves them)."""
    with sqlite3.connect(database) as db:
        return [row for row in db.iterdump() if "sqlite_sequence" not in row]


def _live_descendants() -> list[int]:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    return [p.pid for p in _procs.descendants_of(os.getpid()) if p.state != "Z"]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Grade every hostile program at once, each in its own copy of the seeded learner's home."""
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        template = tmp_path_factory.mktemp("seeded")
        _seed_progress(template / "home", template / "workspace")
        running = {}
        for index, case in enumerate(HOSTILE):
            base = tmp_path_factory.mktemp(f"case{index}")
            home, workspace = base / "home", base / "workspace"
            shutil.copytree(template / "home", home)
            shutil.copytree(template / "workspace", workspace)
            program = base / "submission" / "hostile.py"
            program.parent.mkdir()
            program.write_text(_source(case, home, workspace), encoding="utf-8")
            env = {
                **os.environ,
                "LEARN_HOME": str(home),
                "LEARN_WORKSPACE": str(workspace),
                "LEARN_PROFILE": "ada",
                "COLUMNS": "120",
                "TERM": "dumb",
            }
            command = [*LEARN, "check", "1", "--file", str(program), "--json"]
            proc = subprocess.Popen(
                command,
                cwd=base,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            running[case] = (proc, time.monotonic(), home, workspace)

        def finish(case: str) -> Outcome:
            proc, began, home, workspace = running[case]
            out, err = proc.communicate(timeout=CHALLENGE_DEADLINE_S + 2 + SLACK_S + 60)
            return Outcome(
                case, proc.returncode, out, err, time.monotonic() - began, home, workspace
            )

        with ThreadPoolExecutor(len(running)) as pool:
            results: dict = dict(zip(running, pool.map(finish, running), strict=True))
        results["__template__"] = template  # type: ignore[assignment]
        yield results
        _print_table(results)
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _verdict(outcome: Outcome) -> str:
    failures = [f for f in outcome.grade["findings"] if f["severity"] == "fail"] or outcome.grade[
        "findings"
    ]
    return f"{failures[0]['kind']}: {failures[0]['title']}" if failures else "passed"


def _print_table(results: dict) -> None:
    print(
        f"\nhostile case | verdict | grading s | wall s ({len(HOSTILE)} `learn check` in parallel)"
    )
    for case in HOSTILE:
        outcome = results[case]
        print(
            f"{case} | {_verdict(outcome)} | {outcome.grade['seconds']:.1f} | {outcome.seconds:.1f}"
        )


@pytest.mark.slow
@pytest.mark.timeout(
    CHALLENGE_DEADLINE_S * 4 + 120
)  # the shared fixture waits for programs that hang
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_submission_gets_a_clear_verdict(case: str, outcomes: dict[str, Outcome]) -> None:
    outcome, hostile = outcomes[case], HOSTILE[case]
    assert "Traceback" not in outcome.stderr
    grade = outcome.grade
    if not hostile.kinds:
        assert outcome.returncode == 0 and grade["passed"], grade["findings"]
        return
    assert outcome.returncode == 1, outcome.stderr
    assert not grade["passed"] and grade["challenge"] == 1
    found = [f for f in grade["findings"] if f["kind"] in hostile.kinds]
    assert found, [f"{f['kind']}: {f['title']}" for f in grade["findings"]]
    text = " ".join(f"{f['title']} {' '.join(f['evidence'])}" for f in found)
    assert hostile.words in text
    assert "attack succeeded" not in text
    assert outcome.seconds < CHALLENGE_DEADLINE_S + 2 + SLACK_S


@pytest.mark.slow
@pytest.mark.timeout(
    CHALLENGE_DEADLINE_S * 4 + 120
)  # the shared fixture waits for programs that hang
@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_learners_files_and_progress_are_untouched(
    case: str, outcomes: dict[str, Outcome]
) -> None:
    outcome, template = outcomes[case], outcomes["__template__"]
    assert _files(outcome.workspace) == _files(template / "workspace")  # type: ignore[operator]
    before = _files(template / "home")  # type: ignore[operator]
    after = _files(outcome.home)
    assert {k: v for k, v in after.items() if PROGRESS_DB not in k} == {
        k: v for k, v in before.items() if PROGRESS_DB not in k
    }
    old, new = _rows(template / "home" / PROGRESS_DB), _rows(outcome.home / PROGRESS_DB)  # type: ignore[operator]
    assert set(old) <= set(new), "a row of the learner's progress was changed or lost"
    added = [row for row in new if row not in old and row.startswith('INSERT INTO "events"')]
    assert len(added) == 1 and "'attempt'" in added[0], added


@pytest.mark.slow
def test_no_process_is_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert _live_descendants() == []
