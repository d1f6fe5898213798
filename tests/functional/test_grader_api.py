"""The public grading API end to end, in the real sandbox."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from evaluator import FindingKind, grade, run_program
from usererror import UserError

SPEC_TEMPLATE = """
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, PropertyCheck, expect


{body}

SPEC = ChallengeSpec(
    number=0, slug="api", title="api", summary="api test", concepts=(), difficulty=1,
    intended=FindingKind.INVARIANT, checks=(PropertyCheck("property", check),), hints=(),
)
"""


def _files(tmp_path: Path, program: str, check_body: str) -> tuple[Path, str]:
    path = tmp_path / "program.py"
    path.write_text(textwrap.dedent(program), encoding="utf-8")
    spec = tmp_path / "spec.py"
    spec.write_text(SPEC_TEMPLATE.format(body=textwrap.dedent(check_body)), encoding="utf-8")
    return path, f"{spec}:SPEC"


def test_a_correct_program_passes_with_its_seed(tmp_path: Path) -> None:
    program, spec = _files(
        tmp_path,
        "def add(a, b):\n    return a + b\n",
        "def check(mod, ctx):\n    expect(mod.add(2, 3) == 5, 'add is wrong')\n",
    )
    result = grade(program, spec_ref=spec, seed=99)
    assert result.passed and result.seed == 99 and result.score == 100


def test_a_violation_is_a_finding_with_its_evidence(tmp_path: Path) -> None:
    program, spec = _files(
        tmp_path,
        "def add(a, b):\n    return a - b\n",
        "def check(mod, ctx):\n    expect(mod.add(2, 3) == 5, 'add is wrong', f'add(2, 3) = {mod.add(2, 3)}')\n",
    )
    result = grade(program, spec_ref=spec, seed=1)
    (finding,) = result.failures
    assert (finding.kind, finding.title, finding.evidence) == (
        FindingKind.INVARIANT,
        "add is wrong",
        ("add(2, 3) = -1",),
    )


def test_a_syntax_error_is_a_crash_at_its_line(tmp_path: Path) -> None:
    program, spec = _files(
        tmp_path, "def add(a, b):\n    return a +\n", "def check(mod, ctx):\n    pass\n"
    )
    result = grade(program, spec_ref=spec, seed=1)
    crash = next(f for f in result.failures if f.kind is FindingKind.CRASH)
    assert crash.location == "program.py:2"
    assert not result.passed


def test_a_bug_in_the_spec_is_an_internal_error_not_the_learners_fault(tmp_path: Path) -> None:
    program, spec = _files(
        tmp_path,
        "def add(a, b):\n    return a + b\n",
        "def check(mod, ctx):\n    return {}['missing']\n",
    )
    result = grade(program, spec_ref=spec, seed=1)
    assert not result.failures
    assert not result.passed
    assert "KeyError" in result.internal_errors[0]


def test_the_child_sees_a_scrubbed_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    program, spec = _files(
        tmp_path,
        "import os\ndef env():\n    return dict(os.environ)\n",
        "def check(mod, ctx):\n    env = mod.env()\n"
        "    expect(set(env) <= {'PATH', 'LANG', 'PYTHONPATH', 'PYTHONHASHSEED', 'PYTHONDONTWRITEBYTECODE', 'LC_CTYPE'}, 'leaked', *sorted(env))\n",
    )
    assert grade(program, spec_ref=spec, seed=1).passed


def test_missing_program_and_bad_spec_reference_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        grade(tmp_path / "absent.py", spec_ref="x.py:SPEC")
    program, _ = _files(tmp_path, "x = 1\n", "def check(mod, ctx):\n    pass\n")
    with pytest.raises(UserError, match="not valid"):
        grade(program, spec_ref="no-colon")


def test_run_program_shows_output_and_the_stuck_threads_of_a_hang(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text("def main():\n    print('hello from the program')\n", encoding="utf-8")
    ran = run_program(program)
    assert (ran.exit_code, ran.stdout, ran.timed_out) == (0, "hello from the program\n", False)
    program.write_text(
        "import threading\ndef main():\n    never = threading.Event()\n    never.wait()\n",
        encoding="utf-8",
    )
    hung = run_program(program, deadline_s=1.0)
    assert hung.timed_out
    assert "program.py:4 in main" in hung.stacks


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops the child to another uid")
def test_as_root_the_child_runs_unprivileged(tmp_path: Path) -> None:
    program, spec = _files(
        tmp_path,
        "import os\ndef uid():\n    return os.getuid()\n",
        "def check(mod, ctx):\n    expect(mod.uid() != 0, 'runs as root')\n",
    )
    assert grade(program, spec_ref=spec, seed=1).passed
