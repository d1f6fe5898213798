"""The solutions of each challenge against each other, timed on the grader's own workload.

A challenge's ``spec.py`` may declare a ``PerformanceCheck(name, workload, reference=...)``;
the grader uses it to compare a learner's program with a reference solution. Here the same
``workload(module)`` is timed on every solution under ``solutions/challengeNN_<slug>/``, so a
learner sees what each approach (a global lock order, a queue, striping...) costs.
Challenges and solutions are discovered on disk at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.suites._model import Case, Plan, Round, Suite
from evaluator.loader import load_program

ROOT = Path(__file__).resolve().parents[2]
CHALLENGES_DIR = ROOT / "challenges"
SOLUTIONS_DIR = ROOT / "solutions"
_CHALLENGE_DIR = re.compile(r"^challenge(\d{2})_(\w+)$")


@dataclass(frozen=True)
class Contest:
    """One challenge's performance check and the solution files to time with it."""

    challenge: str
    title: str
    check: Any
    """The spec's ``PerformanceCheck`` (``name``, ``workload``, ``reference``)."""
    solutions: tuple[Path, ...]


def _load(path: Path, name: str) -> ModuleType:
    return load_program(
        path, name=name
    )  # registered in sys.modules: pickling and multiprocessing work


def discover(challenges: Path | None = None, solutions: Path | None = None) -> list[Contest]:
    """Every challenge with a PerformanceCheck and at least one solution file, by number."""
    from evaluator.spec import PerformanceCheck

    challenges = challenges or CHALLENGES_DIR
    solutions = solutions or SOLUTIONS_DIR
    found = []
    for directory in sorted(challenges.glob("challenge*")):
        if not (_CHALLENGE_DIR.match(directory.name) and (directory / "spec.py").is_file()):
            continue
        spec = _load(directory / "spec.py", f"_bench_spec_{directory.name}").SPEC
        files = tuple(sorted((solutions / directory.name).glob("[!_]*.py")))
        for check in spec.checks:
            if isinstance(check, PerformanceCheck) and files:
                reference: str = check.reference
                ordered = sorted(files, key=lambda path: path.stem != reference)
                found.append(Contest(directory.name, spec.title, check, tuple(ordered)))
    return found


def _solution_case(contest: Contest, path: Path) -> Case:
    @contextmanager
    def prepare() -> Iterator[Round]:
        module = _load(path, f"_bench_{contest.challenge}_{path.stem}")
        yield lambda: contest.check.workload(module)

    group = f"{contest.challenge} “{contest.title}”: {contest.check.name}"
    name = path.stem
    return Case(name, group, prepare, params={"challenge": contest.challenge, "approach": name})


def plan(quick: bool) -> Plan:
    contests = discover()
    cases = tuple(
        _solution_case(contest, path) for contest in contests for path in contest.solutions
    )
    note = (
        ""
        if cases
        else (
            "No challenge declares a PerformanceCheck with solutions on disk yet "
            "(challenges/challengeNN_<slug>/spec.py and solutions/challengeNN_<slug>/*.py): "
            "nothing to compare."
        )
    )
    return Plan(cases, rounds=1 if quick else 3, warmup=0 if quick else 1, note=note)


SUITE = Suite(
    name="solutions",
    question="Each challenge has several correct fixes: what does each one cost?",
    hypothesis=(
        "Correct is not the same as fast: a fix that serializes everything behind one lock is "
        "slower than one that keeps work concurrent (ordered locks, queues, striping), by roughly "
        "the amount of concurrency it removed."
    ),
    lesson=(
        "The grader's performance phase runs the same workload and fails a fix that is more than "
        "a few times slower than the reference. Read each challenge's solutions/…/NOTES.md for why "
        "an approach wins, and rerun this suite after changing one: `learn bench history "
        "solutions` shows how the change moved its time."
    ),
    baseline="",
    plan=plan,
)
