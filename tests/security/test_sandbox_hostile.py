"""Hostile programs: each ends with a clear verdict within deadline + 2 s, leaving nothing behind.

The test process becomes a child subreaper while these run, so any process that escaped
the sandbox (double fork, setsid) would be re-parented to it and show up as a descendant.
"""

from __future__ import annotations

import ctypes
import os
import textwrap
import time
from pathlib import Path

import pytest

from evaluator import FindingKind, GradeResult, _procs, grade

DEADLINE_S = 2.0
PR_SET_CHILD_SUBREAPER = 36

SPEC = """
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, LeakCheck


def scenario(mod):
    mod.main()


SPEC = ChallengeSpec(
    number=0, slug="hostile", title="hostile", summary="hostile program", concepts=(), difficulty=1,
    intended=FindingKind.CRASH, checks=(LeakCheck("runs and cleans up", scenario),), hints=(),
)
"""

HOSTILE: dict[str, tuple[str, FindingKind | tuple[FindingKind, ...], str]] = {
    "sys_exit": (
        "import sys\ndef main():\n    sys.exit(4)\n",
        FindingKind.CRASH,
        "called sys.exit(4)",
    ),
    "os_exit": ("import os\ndef main():\n    os._exit(3)\n", FindingKind.CRASH, "exit status 3"),
    "infinite_loop": (
        "def main():\n    while True:\n        pass\n",
        FindingKind.TIMEOUT,
        "did not finish",
    ),
    "huge_allocation": (
        "def main():\n    return bytearray(64 * 1024**3)\n",
        FindingKind.RESOURCE_LIMIT,
        "memory",
    ),
    # Usually the process limit stops it first; on a loaded machine the deadline may win.
    "fork_bomb": (
        "import os\ndef main():\n    while True:\n        os.fork()\n",
        (FindingKind.RESOURCE_LIMIT, FindingKind.TIMEOUT),
        "",
    ),
    "output_flood": (
        "import sys\ndef main():\n    while True:\n        sys.stdout.write('x' * 65536)\n        sys.stderr.write('y' * 65536)\n",
        FindingKind.TIMEOUT,
        "did not finish",
    ),
    "ignores_sigterm": (
        "import signal, time\ndef main():\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    while True:\n        time.sleep(0.01)\n",
        FindingKind.TIMEOUT,
        "did not finish",
    ),
    "segfault": (
        "import ctypes\ndef main():\n    ctypes.string_at(0)\n",
        FindingKind.CRASH,
        "SIGSEGV",
    ),
    "sleeps_forever": (
        "import threading, time\ndef main():\n    t = threading.Thread(target=time.sleep, args=(10**6,), name='sleeper')\n    t.start()\n    t.join()\n",
        FindingKind.TIMEOUT,
        "did not finish",
    ),
    "detached_grandchild": (
        textwrap.dedent("""
            import os, time
            def main():
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        time.sleep(10**6)
                    os._exit(0)
                os.wait()
        """),
        FindingKind.PROCESS_LEAK,
        "child process",
    ),
}


@pytest.fixture()
def subreaper() -> None:
    """Make this process the reaper of anything that escapes, and reap it afterwards."""
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _live_descendants() -> list[_procs.ProcInfo]:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    return [p for p in _procs.descendants_of(os.getpid()) if p.state != "Z"]


def _grade(
    tmp_path: Path, name: str, source: str, deadline_s: float = DEADLINE_S
) -> tuple[GradeResult, float]:
    program = tmp_path / "workspace" / f"{name}.py"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text(source, encoding="utf-8")
    spec = tmp_path / "spec" / "spec.py"
    spec.parent.mkdir(exist_ok=True)
    spec.write_text(SPEC, encoding="utf-8")
    began = time.monotonic()
    result = grade(program, spec_ref=f"{spec}:SPEC", seed=1, deadline_s=deadline_s)
    return result, time.monotonic() - began


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program_gets_a_verdict_and_leaves_nothing(
    name: str, tmp_path: Path, subreaper: None
) -> None:
    source, kind, words = HOSTILE[name]
    before = _live_descendants()
    result, elapsed = _grade(tmp_path, name, source)
    assert not result.passed
    kinds = kind if isinstance(kind, tuple) else (kind,)
    finding = next((f for f in result.failures if f.kind in kinds), None)
    assert finding is not None, [f"{f.kind.value}: {f.title}" for f in result.findings]
    assert words in finding.title + " ".join(finding.evidence)
    assert elapsed <= DEADLINE_S + 2.0, f"verdict took {elapsed:.1f} s"
    assert _live_descendants() == before
    assert (tmp_path / "workspace" / f"{name}.py").read_text(encoding="utf-8") == source


def test_sleeping_program_timeout_shows_the_stuck_threads(tmp_path: Path, subreaper: None) -> None:
    # The stack dump must catch the program in its own code: with 2 s a loaded machine can spend the
    # whole deadline starting the sandbox and in the grader's gc.collect() before main() runs.
    result, _ = _grade(tmp_path, "program", HOSTILE["sleeps_forever"][0], deadline_s=8.0)
    (finding,) = result.failures
    assert finding.location == "program.py:5"
    assert any("thread 'sleeper'" in line for line in finding.evidence)
    assert any("'MainThread' at program.py:5" in line for line in finding.evidence)


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop only happens when grading as root")
def test_program_cannot_touch_the_learners_files(tmp_path: Path, subreaper: None) -> None:
    home = Path(os.environ["LEARN_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    progress = home / "progress.db"
    progress.write_bytes(b"xp=1200")
    workspace = tmp_path / "workspace"
    source = textwrap.dedent(f"""
        import os
        def main():
            attempts = []
            for action in (
                lambda: open({str(progress)!r}, "wb").write(b"xp=999999"),
                lambda: os.remove({str(progress)!r}),
                lambda: open({str(workspace / "program.py")!r}, "w").write("hacked"),
                lambda: os.kill(1, 9),
            ):
                try:
                    action()
                    attempts.append("succeeded")
                except OSError as error:
                    attempts.append(type(error).__name__)
            assert attempts.count("succeeded") == 0, attempts
            assert os.getuid() != 0
            open("scratch.txt", "w").write("own working dir is writable")
    """)
    result, _ = _grade(tmp_path, "program", source)
    assert result.passed, [f.title for f in result.findings]
    assert progress.read_bytes() == b"xp=1200"
    assert (workspace / "program.py").read_text(encoding="utf-8") == source


def test_a_sandbox_that_cannot_start_the_program_is_a_grader_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start failure arrives on the jail's start pipe, not as text the program could print."""
    from evaluator import sandbox
    from evaluator.grade import verdict_from_run

    program = tmp_path / "program.py"
    program.write_text(
        "import sys\nprint('sandbox: cannot start the program: a learner printed this', file=sys.stderr)\n"
    )
    printed = sandbox.run_sandboxed("program", {}, files={"program.py": program}, deadline_s=20.0)
    assert printed.start_error is None and "a learner printed this" in printed.stderr
    assert not verdict_from_run(printed, "program.py", 1, 0, 20.0).internal_errors
    real = sandbox._rlimits
    monkeypatch.setattr(
        sandbox, "_rlimits", lambda *args: {**real(*args), "RLIMIT_NO_SUCH_LIMIT": (1, 1)}
    )
    failed = sandbox.run_sandboxed("program", {}, files={"program.py": program}, deadline_s=20.0)
    assert failed.start_error is not None and "RLIMIT_NO_SUCH_LIMIT" in failed.start_error
    result = verdict_from_run(failed, "program.py", 1, 0, 20.0)
    assert not result.passed and result.internal_errors and not result.findings
