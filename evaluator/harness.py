"""The sandboxed child: ``python -m evaluator.harness request.json``.

Started by :mod:`evaluator.sandbox` in a fresh working directory. It installs the
instrumentation *before* the learner's file is imported, imports the spec and the program,
runs every check (catching failures per check), and writes the result as JSON on the
result pipe. Two modes:

* ``grade``: the :class:`~evaluator.findings.GradeResult` of the spec's checks;
* ``run``: call the program's entry function, output going to stdout (``learn run challenge N``).

A crash of the learner's code is a CRASH finding at their line; an exception that never
went through their file is a bug of the spec or grader, reported as an internal error.
"""

from __future__ import annotations

import ctypes
import errno
import faulthandler
import functools
import importlib
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from evaluator import realtime
from evaluator._forked_checks import CheckRun, can_fork, run_forked, worker_count
from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from evaluator.stacks import DUMP_THREAD, install_dump_handlers

_PR_SET_CHILD_SUBREAPER = 36
_MAIN_PID = os.getpid()


def _install_instrumentation() -> None:
    """``evaluator.instrument.install()`` when that package is present."""
    try:
        instrument = importlib.import_module("evaluator.instrument")
    except ModuleNotFoundError as error:
        if error.name not in ("evaluator.instrument",):
            raise
        return
    instrument.install()


def load_spec(ref: str, solutions: str | None = None) -> tuple[Any, Path, Path]:
    """Resolve ``module:ATTR`` or ``/path/spec.py:ATTR`` to (spec, challenge dir, solutions dir).

    ``solutions`` is the folder of reference solutions the parent copied in (relative to the
    working directory); without one, the spec's own folder.
    """
    from evaluator.loader import load_program

    target, _, attr = ref.rpartition(":")
    if not target:
        raise ValueError(
            f"spec reference {ref!r} must look like 'module:ATTR' or '/path/spec.py:ATTR'"
        )
    if target.endswith(".py"):
        path = Path(target).resolve()
        spec = getattr(load_program(path, name="grading_spec"), attr)
        challenge_dir = path.parent
    else:
        module = importlib.import_module(target)
        spec = getattr(module, attr)
        challenge_dir = Path(module.__file__ or ".").resolve().parent
    return spec, challenge_dir, Path(solutions).resolve() if solutions else challenge_dir


def _classify(error: BaseException, program: Path, check: str, hint: str) -> Finding | str:
    """A finding for the learner, or an internal-error message (not their fault)."""
    from evaluator.locate import crash_finding
    from evaluator.spec import Violation

    if isinstance(error, Violation):
        return Finding(
            kind=error.kind,
            severity=Severity.FAIL,
            title=error.message,
            evidence=error.evidence,
            hint=hint,
            check=check,
            location=getattr(error, "location", None),
        )
    what = _exhausted_resource(error, program)
    if what is not None:
        return Finding(
            kind=FindingKind.RESOURCE_LIMIT,
            severity=Severity.FAIL,
            title=f"the program ran out of {what} allowed by the sandbox",
            evidence=(f"{type(error).__name__}: {error}", *_program_lines(error, program)),
            hint="Something grows without bound: a list, a file, processes or threads created in a loop.",
            check=check,
        )
    crash = crash_finding(error, program, check)
    if crash is not None:
        return crash
    return f"check {check!r}: {''.join(traceback.format_exception(error)).strip()}"


def _exhausted_resource(error: BaseException, program: Path) -> str | None:
    """Which sandbox limit ``error`` shows was hit (memory, file size, fds, processes), if any."""
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, RuntimeError) and "can't start new thread" in str(error):
        return "threads"
    if not isinstance(error, OSError):
        return None
    if error.errno == errno.EFBIG:
        return "file size"
    if error.errno == errno.EMFILE:
        return "open files"
    if (
        error.errno == errno.EAGAIN
    ):  # also non-blocking I/O: only count it at a process-creating line
        lines = _program_lines(error, program)
        if lines and any(
            word in lines[-1] for word in ("fork", "Popen", "Process", "start", "spawn")
        ):
            return "processes"
    return None


def _program_lines(error: BaseException, program: Path) -> list[str]:
    from evaluator.locate import program_lines, traceback_frames

    return program_lines(traceback_frames(error.__traceback__), program)


def grade_in_child(request: dict[str, Any], *, fork_checks: bool = False) -> GradeResult:
    """Import spec and program, run every check; never raises.

    With ``fork_checks`` (the sandboxed child), the exploring checks run side by side in
    forked copies of this process (:mod:`evaluator._forked_checks`), the others here after them.
    """
    from evaluator.spec import CheckContext

    start = realtime.perf_counter()
    seed = int(request["seed"])
    program = Path(request["program"]).resolve()
    findings: list[Finding] = []
    outcomes: list[CheckOutcome] = []
    internal: list[str] = []
    try:
        spec, challenge_dir, solutions_dir = load_spec(request["spec"], request.get("solutions"))
    except BaseException as error:
        internal.append(
            f"cannot load spec {request['spec']!r}: {''.join(traceback.format_exception(error)).strip()}"
        )
        return GradeResult(
            0, False, (), (), realtime.perf_counter() - start, seed, internal_errors=tuple(internal)
        )
    ctx = CheckContext(
        seed=seed,
        program_path=program,
        challenge_dir=challenge_dir,
        solutions_dir=solutions_dir,
        replay=request.get("replay"),
        quick=bool(request.get("quick")),
    )
    findings.extend(_static(program))
    from evaluator.loader import load_program

    sys.path.insert(0, str(program.parent))
    try:
        loader = getattr(spec, "program_loader", None) or load_program
        module: ModuleType | None = loader(program, program.stem)
    except BaseException as error:
        module = None
        verdict = _classify(error, program, "import", "")
        if isinstance(verdict, Finding):
            findings.append(verdict)
        else:
            internal.append(verdict)
    forked: dict[int, CheckRun] = {}
    if module is not None and fork_checks and can_fork(frozenset({DUMP_THREAD})):
        from evaluator.scheduler._tracer import ProgramTracer

        ProgramTracer(program)  # analyse the learner's file once, before the copies are made
        jobs = {
            index: functools.partial(_run_check, check, module, ctx, program)
            for index, check in enumerate(spec.checks)
            if _runs_alone(check)
        }
        forked = run_forked(jobs, worker_count())
    deadlocked = False
    for index, check in enumerate(spec.checks):
        if deadlocked and not _explores(check):
            # The program deadlocks under the scheduler (evidence above); running it for real
            # would only hang until the deadline. The check is not passed.
            outcomes.append(CheckOutcome(check.name, False, 0.0, 0))
            continue
        if module is None:
            run = CheckRun((), (), 0.0, 0, False)
        elif index in forked:
            run = forked[index]
        else:
            run = _run_check(check, module, ctx, program)
            if os.getpid() != _MAIN_PID:  # the learner's code forked and this is the copy
                os._exit(0)
        findings.extend(run.findings)
        internal.extend(run.internal)
        deadlocked = deadlocked or any(
            f.kind is FindingKind.DEADLOCK and f.severity is Severity.FAIL for f in run.findings
        )
        passed = module is not None and not any(f.severity is Severity.FAIL for f in run.findings)
        outcomes.append(
            CheckOutcome(check.name, passed, run.seconds, run.schedules, run.exhaustive)
        )
    passed = bool(outcomes) and all(o.passed for o in outcomes) and not internal
    ratio = ctx.measurements.get("performance_ratio")
    return GradeResult(
        challenge=spec.number,
        passed=passed,
        findings=tuple(findings),
        checks=tuple(outcomes),
        seconds=round(realtime.perf_counter() - start, 4),
        seed=seed,
        performance_ratio=ratio,
        internal_errors=tuple(internal),
    )


def _run_check(check: Any, module: ModuleType, ctx: Any, program: Path) -> CheckRun:
    """Run one check; a crash is a finding at the learner's line or an internal error."""
    began = realtime.perf_counter()
    produced: list[Finding] = []
    internal: list[str] = []
    try:
        produced = list(check.run(module, ctx))
    except BaseException as error:
        verdict = _classify(error, program, check.name, getattr(check, "hint", ""))
        if isinstance(verdict, Finding):
            produced = [verdict]
        else:
            internal.append(verdict)
    return CheckRun(
        tuple(produced),
        tuple(internal),
        round(realtime.perf_counter() - began, 4),
        int(ctx.measurements.pop("schedules", 0) or 0),
        bool(ctx.measurements.pop("exhaustive", False)),
    )


def _runs_alone(check: object) -> bool:
    """Checks that explore from their own seed and never hang: safe to run side by side."""
    return type(check).__name__ in ("ScheduleCheck", "AsyncCheck")


def _explores(check: object) -> bool:
    """Checks that run the program under the controlled scheduler or a virtual loop (never hang)."""
    return type(check).__name__ in ("ScheduleCheck", "AsyncCheck", "PerformanceCheck", "SimCheck")


def _static(program: Path) -> list[Finding]:
    from evaluator.static_hints import static_hints

    return static_hints(program)


def run_in_child(request: dict[str, Any]) -> dict[str, Any]:
    """Import the program and call its entry function (a coroutine function is ``asyncio.run``)."""
    import asyncio
    import inspect

    from evaluator.loader import load_program

    program = Path(request["program"]).resolve()
    sys.path.insert(0, str(program.parent))
    module = load_program(program, name=program.stem)
    entry = getattr(module, request.get("entry", "main"))
    outcome = entry()
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)
    return {"ok": True}


def _write_result(fd: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode("utf-8")
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.close(fd)


def main(argv: list[str]) -> None:
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    install_dump_handlers(int(request["dump_fd"]), request["stacks_json"], request["stacks_text"])
    faulthandler.enable()  # a segfault prints every thread's Python stack on stderr
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises OSError instead
    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # double-forked orphans stay ours
    result_fd = int(request["result_fd"])
    os.set_inheritable(result_fd, False)
    if request.get("mode", "grade") == "run":
        if request.get("instrument", True):
            _install_instrumentation()
        payload = run_in_child(request)
        sys.stdout.flush()
        if os.getpid() == _MAIN_PID:
            _write_result(result_fd, payload)
        return  # a normal exit: waits for non-daemon threads, like running the file would
    try:
        if request.get("instrument", True):
            _install_instrumentation()
    except Exception as error:  # the grader's own bug: say so, never blame the learner
        detail = "".join(traceback.format_exception(error)).strip()
        result = GradeResult(
            0,
            False,
            (),
            (),
            0.0,
            int(request["seed"]),
            internal_errors=(f"instrumentation failed to install: {detail}",),
        )
    else:
        result = grade_in_child(request, fork_checks=True)
    if os.getpid() != _MAIN_PID:
        os._exit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    _write_result(result_fd, {"grade": result.to_json()})
    os._exit(0)  # leaked non-daemon threads must not keep the grading alive


if __name__ == "__main__":
    main(sys.argv)
