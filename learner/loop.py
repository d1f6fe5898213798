"""The learner's loop, without rendering: start, run, check, solutions.

``cli.py`` and the watch loop call these; :mod:`learner.render` draws the results.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from challenges._registry import all_challenges, get_challenge
from learner.workspace import (
    existing_copy,
    find_workspace,
    program_to_grade,
    working_copy_path,
)
from usererror import UserError

if TYPE_CHECKING:
    from evaluator import GradeResult, RunResult
    from solutions._registry import SolutionSet
    from tracker import AttemptOutcome

__all__ = [
    "CheckReport",
    "Resume",
    "check",
    "current_challenge",
    "resume",
    "run_challenge",
    "solutions_for",
]


@dataclass(frozen=True)
class CheckReport:
    """A grading of the learner's file and what the tracker made of it."""

    path: Path
    result: GradeResult
    outcome: AttemptOutcome | None
    """XP, level and achievements of the recorded attempt; None when not recorded."""


def check(
    number: int,
    file: Path | None = None,
    *,
    seed: int | None = None,
    replay: int | None = None,
    record: bool = True,
) -> CheckReport:
    """Grade the learner's program for challenge ``number`` and record the attempt.

    Nothing is recorded when the grader itself failed (``result.internal_errors``): that
    attempt says nothing about the learner's fix.
    """
    from challenges import grade_challenge
    from learner import record as recording

    spec = get_challenge(number).spec
    path = program_to_grade(number, file)
    if record:
        _import_in_background("tracker", "learner.render")
    started = time.perf_counter()
    result = grade_challenge(path, number, seed=seed, replay=replay)
    outcome = (
        recording.attempt(number, spec, result, path, time.perf_counter() - started)
        if record
        else None
    )
    return CheckReport(path, result, outcome)


def _import_in_background(*modules: str) -> None:
    """Import what follows a grading (the tracker, the report's renderer) on another thread while
    the sandboxed grader runs on another core: ~0.1 s of `learn check` the learner no longer waits
    for. An import that fails here fails again, visibly, where the module is used."""

    def load() -> None:
        for name in modules:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    threading.Thread(target=load, name="import-ahead", daemon=True).start()


def run_challenge(
    number: int, *, original: bool = False, deadline_s: float = 10.0, seed: int | None = None
) -> tuple[Path, RunResult]:
    """Run the learner's copy (or the original) so they can see the symptom; hangs are cut off.

    Never creates a copy: without one, a :class:`UserError` says where it looked. With ``seed``
    (challenges 9-16), print the whole timeline of exactly that fault seed.
    """
    from evaluator import run_program

    challenge = get_challenge(number)
    if original:
        path = challenge.program_path
    else:
        path = working_copy_path(challenge)
        if not path.is_file():
            raise UserError(
                f"you have no copy of challenge {number} at {path} yet: run `learn challenge {number}` "
                f"first, or `learn run challenge {number} --original`"
            )
    if seed is not None:
        from challenges.seeded_run import run_fault_seed

        if getattr(challenge.spec, "program_loader", None) is None:
            raise UserError(
                f"--seed replays a fault seed of the simulated challenges 9-16; challenge {number} "
                "is not simulated: run it without --seed"
            )
        return path, run_fault_seed(number, path, seed, deadline_s)
    return path, run_program(path, entry=challenge.spec.run_entry, deadline_s=deadline_s)


def solutions_for(number: int, *, reveal: bool) -> SolutionSet:
    """The reference solutions, once the learner has passed (or explicitly chose to reveal them)."""
    import tracker
    from learner import record
    from solutions._registry import solution_set

    found = solution_set(number)
    if tracker.has_passed(number):
        return found
    if not reveal:
        raise UserError(
            f"solutions unlock once you pass challenge {number} (`learn check {number}`); "
            f"to see them now, use `learn solution {number} --reveal`"
        )
    record.solution_reveal(number)
    return found


@dataclass(frozen=True)
class Resume:
    """Where the learner is: what bare `learn` shows. Reading it writes nothing."""

    workspace: Path | None
    workspace_source: str | None
    """"LEARN_WORKSPACE" or "recorded" (by `learn init`); None without a workspace."""
    challenge: int | None
    """The current challenge; None once every challenge has passed."""
    title: str
    status: str
    """"new" (no copy yet), "copied" (not checked yet), "attempted" or "passed"."""
    copy: Path | None
    passed: int
    total: int
    next_command: str


def current_challenge(statuses: dict[int, str] | None = None) -> int | None:
    """The lowest challenge tried but not passed, else the lowest with a copy, else the lowest not passed."""
    import tracker

    known = tracker.challenge_statuses() if statuses is None else statuses
    numbers = [c.number for c in all_challenges()]
    open_ones = [n for n in numbers if known.get(n) != "passed"]
    for chosen in (
        [n for n in open_ones if known.get(n) == "attempted"],
        [n for n in open_ones if existing_copy(n) is not None],
        open_ones,
    ):
        if chosen:
            return chosen[0]
    return None


def resume() -> Resume:
    """The current challenge, its status and the one next command."""
    import tracker

    statuses = tracker.challenge_statuses()
    total = len(all_challenges())
    passed = sum(1 for value in statuses.values() if value == "passed")
    found = find_workspace()
    workspace, source = found if found is not None else (None, None)
    number = current_challenge(statuses)
    if number is None:
        return Resume(workspace, source, None, "", "passed", None, passed, total, "learn progress")
    copy = existing_copy(number)
    status = statuses.get(number) or ("copied" if copy is not None else "new")
    if workspace is None:
        following = "learn init"
    elif copy is None:
        following = f"learn challenge {number}"
    else:
        following = f"learn check {number}"
    title = get_challenge(number).catalogue.title
    return Resume(workspace, source, number, title, status, copy, passed, total, following)
