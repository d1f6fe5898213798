"""Point at the learner's code: frames of a traceback or stack that are in their file."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from evaluator.findings import Finding, FindingKind, Severity

__all__ = ["crash_finding", "program_lines", "traceback_frames"]


def traceback_frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    """The frames of a traceback, outermost first."""
    return list(traceback.extract_tb(tb))


def program_lines(frames: Iterable[traceback.FrameSummary], program: Path) -> list[str]:
    """``program.py:LINE in func: code`` for each frame in the learner's file."""
    name = program.name
    return [
        f"{name}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
        for frame in frames
        if Path(frame.filename).name == name
    ]


def _syntax_error_finding(error: SyntaxError, program: Path, check: str) -> Finding | None:
    if error.filename is None or Path(error.filename).name != program.name:
        return None
    location = f"{program.name}:{error.lineno}"
    text = (error.text or "").rstrip()
    evidence = [f"{location}: {error.msg}"]
    if text:
        evidence.append(f"    {text}")
    return Finding(
        kind=FindingKind.CRASH,
        severity=Severity.FAIL,
        title=f"{program.name} does not compile: {error.msg}",
        evidence=tuple(evidence),
        hint="Fix the syntax error, then run `learn check` again.",
        location=location,
        check=check,
    )


def crash_finding(error: BaseException, program: Path, check: str) -> Finding | None:
    """A CRASH finding when ``error`` was raised in (or through) the learner's file, else None.

    None means the exception did not pass through the learner's code: a bug of the grader or
    the spec, which must not be blamed on the learner.
    """
    if isinstance(error, SyntaxError):
        return _syntax_error_finding(error, program, check)
    frames = traceback_frames(error.__traceback__)
    mine = program_lines(frames, program)
    if not mine:
        return api_mismatch_finding(error, frames, check)
    last = next(f for f in reversed(frames) if Path(f.filename).name == program.name)
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    if isinstance(error, SystemExit):
        title = f"{program.name} called sys.exit({error.code!r}) while being graded"
        hint = "Do not exit the process from library code: return, or raise an exception the caller can handle."
    else:
        title = f"{program.name} raised {type(error).__name__}: {str(error)[:120]}".rstrip(": ")
        hint = (
            "Read the traceback from the bottom: the last line of your file is where it went wrong."
        )
    return Finding(
        kind=FindingKind.CRASH,
        severity=Severity.FAIL,
        title=title,
        evidence=(summary, *mine),
        hint=hint,
        location=f"{program.name}:{last.lineno}",
        check=check,
    )


def api_mismatch_finding(
    error: BaseException, frames: list[traceback.FrameSummary], check: str
) -> Finding | None:
    """The grader's call into the learner's program failed because the program's API changed
    (a renamed method, a new required argument): say which call the grader makes. None when the
    error is not that (a grader bug, reported as an internal error instead)."""
    if not isinstance(error, AttributeError | TypeError) or not frames:
        return None
    last = frames[-1]
    if Path(last.filename).name != "spec.py" or not last.line:
        return None
    text = str(error)
    if isinstance(error, TypeError) and "argument" not in text:
        return None
    return Finding(
        kind=FindingKind.CRASH,
        severity=Severity.FAIL,
        title=f"the grader could not call your program the way the README describes it: {text[:120]}",
        evidence=(
            f"the grader calls: {last.line.strip()}",
            "keep the classes, methods and arguments of the original program: the grader uses them",
        ),
        hint="Compare your copy's class and method names and signatures with the original program.py.",
        check=check,
    )
