"""Exploring checks side by side in forked workers: answers come back whole, or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evaluator._forked_checks import CheckRun, can_fork, run_forked
from evaluator.findings import Finding, FindingKind, Severity

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")


def _answer(title: str) -> CheckRun:
    finding = Finding(
        kind=FindingKind.RACE,
        severity=Severity.FAIL,
        title=title,
        evidence=("line one", "line two"),
        data={"schedules": 3, "outcomes": {"done": 3}},
    )
    return CheckRun((finding,), ("internal note",), 0.25, 3, True)


def test_every_job_answers_from_its_own_worker() -> None:
    parent = os.getpid()

    def job(n: int) -> CheckRun:
        assert os.getpid() != parent  # ran in a copy, not here
        return _answer(f"job {n}")

    answers = run_forked({n: (lambda n=n: job(n)) for n in range(5)}, workers=2)
    assert sorted(answers) == list(range(5))
    assert answers[3] == _answer("job 3")


def test_a_worker_that_dies_leaves_its_job_to_the_caller() -> None:
    def dies() -> CheckRun:
        os._exit(7)

    def raises() -> CheckRun:
        raise RuntimeError("a bug of the grader")

    answers = run_forked({0: dies, 1: lambda: _answer("fine"), 2: raises}, workers=3)
    assert sorted(answers) == [1]


def test_a_copy_made_by_the_learners_code_does_not_answer_twice() -> None:
    def forks() -> CheckRun:
        if os.fork() == 0:
            return _answer("the learner's copy")  # must exit silently
        os.wait()
        return _answer("the worker")

    assert run_forked({0: forks}, workers=1) == {0: _answer("the worker")}


def test_forking_is_refused_while_another_thread_runs() -> None:
    import threading

    already = frozenset(t.name for t in threading.enumerate())  # whatever the test run started
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="learner-thread")
    other.start()
    try:
        assert not can_fork(already)
        assert can_fork(already | {"learner-thread"})
    finally:
        release.set()
        other.join()
    assert can_fork(already)


_COMPARE = """
import json, sys
from evaluator.instrument import install
install()
from challenges import get_challenge
from evaluator.harness import grade_in_child
challenge = get_challenge(int(sys.argv[1]))
request = {"seed": 5, "program": str(challenge.program_path), "spec": challenge.spec_ref,
           "replay": None, "quick": True}
out = []
for fork_checks in (True, False):
    result = grade_in_child(request, fork_checks=fork_checks)
    explored = {c.name for c in result.checks if c.schedules}
    out.append([
        result.passed,
        result.score,
        [
            [f.check, f.kind.value, f.severity.value, f.title, list(f.evidence),
             {k: v for k, v in f.data.items() if k != "seconds"}]
            if f.check in explored
            else [f.check, f.kind.value, f.severity.value, f.title]
            for f in result.findings
        ],
        [[c.name, c.passed, c.schedules, c.exhaustive] for c in result.checks],
        list(result.internal_errors),
    ])
print(json.dumps(out, default=str))
"""


@pytest.mark.parametrize("number", [1])
def test_forked_and_sequential_grading_give_the_same_grade(number: int) -> None:
    """The verdict does not depend on how many checks ran at once: each forked check starts
    from the state right after the import, and its findings travel as the grade's own JSON.
    Both gradings run in a fresh process, as in the sandbox (the exploring checks' findings are
    compared whole but for their wall seconds; the others ran with real threads: verdicts only).
    """
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _COMPARE, str(number)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    forked, sequential = json.loads(done.stdout.strip().splitlines()[-1])
    assert forked == sequential
