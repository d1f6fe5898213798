"""The public grading entry points: :func:`grade` a submission, :func:`run_program` to watch it.

Both run the learner's code in the sandbox (:mod:`evaluator.sandbox`) and never hang the
caller: whatever the program does, a verdict comes back within the deadline + ~2 s.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from evaluator.sandbox import SandboxResult, run_sandboxed
from evaluator.stacks import format_stacks, summarize_stacks
from usererror import UserError

__all__ = ["RunResult", "grade", "resolve_spec", "run_program"]

_DEFAULT_DEADLINE_S = 8.0
DEFAULT_SEED = 1
"""The seed of a grading when none is given: the same file always gets the same verdict."""
_TAIL_LINES = 12
"""Last stderr lines shown as evidence when the program ends the grading itself (a traceback's tail)."""
SOLUTIONS_FOLDER = "reference_solutions"
"""Where a grading's reference solutions are copied in the sandbox (the child reads them there)."""


@dataclass(frozen=True)
class RunResult:
    """What ``learn run challenge N`` shows: output, and the stuck threads on a hang."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    stacks: str
    """Where each thread was stuck on a hang: the frames in the program, and the innermost one."""


def resolve_spec(
    spec_ref: str, solutions_dir: Path | None = None
) -> tuple[str, Any, dict[str, Path]]:
    """(reference the child imports, the spec object, files to copy into the sandbox).

    The grader knows no catalogue: the caller names the spec (``package.module:ATTR`` or
    ``/path/spec.py:ATTR``) and, when the spec compares with reference solutions, their folder.
    """
    target, _, attr = spec_ref.rpartition(":")
    if not target or not attr:
        raise UserError(
            f"spec reference {spec_ref!r} is not valid: use 'package.module:ATTR' or '/path/spec.py:ATTR'"
        )
    files: dict[str, Path] = {}
    if solutions_dir is not None:
        files[SOLUTIONS_FOLDER] = Path(solutions_dir)
    if target.endswith(".py"):
        path = Path(target).resolve()
        if not path.is_file():
            raise UserError(f"spec file {path} does not exist: check the path")
        from evaluator.loader import load_program

        spec = getattr(load_program(path, name=f"_spec_{abs(hash(str(path)))}"), attr)
        # The child may run under another uid: give it its own copy of the spec's folder.
        return f"specdir/{path.name}:{attr}", spec, {"specdir": path.parent, **files}
    import importlib

    return spec_ref, getattr(importlib.import_module(target), attr), files


def _check_program(program: Path) -> Path:
    program = Path(program)
    if not program.is_file():
        raise UserError(
            f"cannot grade {program}: the file does not exist (run `learn challenge N` to get it)"
        )
    try:
        program.read_bytes()
    except OSError as error:
        raise UserError(
            f"cannot read {program}: {error.strerror} (check its permissions)"
        ) from None
    return program


def grade(
    program: Path,
    *,
    spec_ref: str,
    solutions_dir: Path | None = None,
    seed: int | None = None,
    replay: int | None = None,
    quick: bool = False,
    deadline_s: float | None = None,
) -> GradeResult:
    """Grade ``program`` against a challenge's spec (or any ``spec_ref``) in the sandbox.

    Args:
        program: the learner's file.
        spec_ref: ``module:ATTR`` or ``/path/spec.py:ATTR`` (a challenge's is
            ``challenges.grade_challenge``'s business: the grader knows no catalogue).
        solutions_dir: the folder of reference solutions the spec's performance checks
            compare with (copied into the sandbox); None: the spec's own folder.
        seed: base seed (``DEFAULT_SEED`` when None; always reported in the result). Every
            check derives its schedules, loop seeds and faults from it, so the same file and
            seed always give the same verdict and findings.
        replay: re-grade with the seed a report printed (the same as ``seed=replay``; the
            simulated-world checks also run just that fault seed).
        quick: smaller budgets (tests of the grader only).
        deadline_s: wall-clock budget (default: the spec's ``time_budget_seconds``).
    """
    program = _check_program(program)
    ref, spec, files = resolve_spec(spec_ref, solutions_dir)
    number = int(getattr(spec, "number", 0))
    if seed is None:
        seed = replay if replay is not None else DEFAULT_SEED
    budget = float(
        deadline_s
        if deadline_s is not None
        else getattr(spec, "time_budget_seconds", _DEFAULT_DEADLINE_S)
    )
    request = {
        "mode": "grade",
        "program": program.name,
        "spec": ref,
        "seed": seed,
        "replay": replay,
        "quick": quick,
        "instrument": True,
        "solutions": SOLUTIONS_FOLDER if solutions_dir is not None else None,
    }
    outcome = run_sandboxed(
        "evaluator.harness",
        request,
        files={program.name: program, **files},
        deadline_s=budget,
        seed=seed,
    )
    return verdict_from_run(outcome, program.name, number, seed, budget)


def verdict_from_run(
    outcome: SandboxResult, program_name: str, number: int, seed: int, budget: float
) -> GradeResult:
    """Turn a sandboxed run into a verdict: its own result, or a finding on how it ended."""
    if outcome.result and "grade" in outcome.result:
        result = GradeResult.from_json(outcome.result["grade"])
        return GradeResult(
            result.challenge,
            result.passed,
            result.findings,
            result.checks,
            round(outcome.seconds, 3),
            result.seed,
            result.performance_ratio,
            result.internal_errors,
        )
    if outcome.start_error is not None:
        return GradeResult(
            number,
            False,
            (),
            (),
            round(outcome.seconds, 3),
            seed,
            internal_errors=(f"sandbox: cannot start the program: {outcome.start_error}",),
        )
    finding = _ending_finding(outcome, program_name, budget)
    return GradeResult(
        number,
        False,
        (finding,),
        (CheckOutcome("sandbox", False, round(outcome.seconds, 3)),),
        round(outcome.seconds, 3),
        seed,
    )


def _tail(text: str) -> list[str]:
    return [line for line in text.strip().splitlines()[-_TAIL_LINES:] if line.strip()]


def _program_first(text: str, name: str) -> list[str]:
    """Lines of a faulthandler dump, those in the learner's file first."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    mine = [line for line in lines if f'/{name}"' in line]
    return (mine + [line for line in lines if line not in mine])[:_TAIL_LINES]


_LIMIT_SIGNALS: dict[int, str] = {signal.SIGXCPU: "CPU time", signal.SIGXFSZ: "file size"}
"""Signals the kernel sends when an rlimit is exceeded, and which limit each one means."""
_SIGNAL_NUMBERS = frozenset(int(s) for s in signal.Signals)


def _ending_finding(outcome: SandboxResult, name: str, budget: float) -> Finding:
    """Why the child produced no result: timeout, a resource limit, a crash or an exit."""
    if outcome.timed_out:
        evidence = summarize_stacks(outcome.stacks_data, [name]) or _program_first(
            outcome.stacks, name
        )
        where = next(
            (
                line.split(" at ", 1)[1].split(" in ")[0]
                for line in evidence
                if f" at {name}:" in line
            ),
            None,
        )
        return Finding(
            FindingKind.TIMEOUT,
            Severity.FAIL,
            f"the program did not finish within {budget:g} s",
            tuple(evidence),
            hint="Something waits forever or loops: the stacks show where each thread was stuck.",
            location=where,
            check="sandbox",
            data={"stacks": outcome.stacks},
        )
    stderr = outcome.stderr
    signal_number = outcome.signal
    if "MemoryError" in stderr or signal_number in _LIMIT_SIGNALS:
        what = _LIMIT_SIGNALS.get(signal_number or 0, "memory")
        return Finding(
            FindingKind.RESOURCE_LIMIT,
            Severity.FAIL,
            f"the program exceeded the sandbox's {what} limit",
            tuple(_tail(stderr)),
            hint="Something grows or spins without bound.",
            check="sandbox",
        )
    if signal_number is not None:
        label = (
            signal.Signals(signal_number).name
            if signal_number in _SIGNAL_NUMBERS
            else str(signal_number)
        )
        return Finding(
            FindingKind.CRASH,
            Severity.FAIL,
            f"the program crashed: killed by {label}",
            tuple(_tail(stderr)),
            hint="A native crash (ctypes, a C extension) or a kill signal.",
            check="sandbox",
        )
    if outcome.output_truncated and not stderr.strip():
        return Finding(
            FindingKind.RESOURCE_LIMIT,
            Severity.FAIL,
            "the program flooded its output and gave no result",
            (),
            check="sandbox",
        )
    return Finding(
        FindingKind.CRASH,
        Severity.FAIL,
        f"the program ended the grading process itself (exit status {outcome.exit_code})",
        tuple(_tail(stderr)),
        hint="Do not call os._exit()/sys.exit() or kill the process from your code.",
        check="sandbox",
    )


def run_program(
    program: Path, entry: str = "main", deadline_s: float = 10.0, instrument: bool = True
) -> RunResult:
    """Run ``program``'s ``entry()`` in the sandbox: output, and every thread's stack on a hang."""
    program = _check_program(program)
    request = {
        "mode": "run",
        "program": program.name,
        "entry": entry,
        "seed": 0,
        "instrument": instrument,
    }
    outcome = run_sandboxed(
        "evaluator.harness", request, files={program.name: program}, deadline_s=deadline_s
    )
    stacks = (
        format_stacks(outcome.stacks_data, [program.name])
        if outcome.stacks_data
        else outcome.stacks
    )
    return RunResult(outcome.exit_code, outcome.stdout, outcome.stderr, outcome.timed_out, stacks)
