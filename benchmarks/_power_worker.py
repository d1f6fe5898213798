"""Child processes of ``grader_power.py``: grade one corpus program in-process, or stress-run it.

    python benchmarks/_power_worker.py grade   REQUEST_JSON   # grade bug.py/fixed.py for several seeds
    python benchmarks/_power_worker.py stress  REQUEST_JSON   # plain threads, no instrumentation
    python benchmarks/_power_worker.py noop    REQUEST_JSON   # the stress child's start-up cost only

``grade`` does what the sandboxed harness does (instrumentation installed before the program is
imported, then :func:`evaluator.harness.grade_in_child`), minus the sandbox's process set-up, and
prints one JSON line per seed with the verdict and the CPU seconds it took. ``stress`` imports
the same spec and program *without* instrumentation and calls the scenario again and again with
real threads (an asyncio scenario: ``asyncio.run`` on a real loop, a task still pending when it
returns counting as a failure, like the grader's leak check) until its CPU budget is spent,
printing one JSON line per run; a run that does not finish within ``stall_seconds`` (5 s at
least for asyncio scenarios, whose real sleeps take wall time) is a hang (a deadlock): it is
reported and the process exits at once (``os._exit``, the stuck threads cannot be joined).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def grade_many(request: dict[str, Any]) -> None:
    """One grading per seed (or per replay seed), as the harness child would run it."""
    from evaluator.instrument import install

    install()
    from evaluator.harness import grade_in_child

    explorations = _record_explorations()
    if request.get(
        "warm_up"
    ):  # one unreported grading first: lazy imports are not charged to a seed
        grade_in_child(
            {
                "seed": 0,
                "program": request["program"],
                "spec": request["spec"],
                "replay": None,
                "quick": request["quick"],
            }
        )
    for seed, replay in request["runs"]:
        explorations.clear()
        cpu = time.process_time()
        wall = time.perf_counter()
        result = grade_in_child(
            {
                "seed": seed,
                "program": request["program"],
                "spec": request["spec"],
                "replay": replay,
                "quick": request["quick"],
            }
        )
        _emit(
            {
                "seed": seed,
                "replay": replay,
                "cpu": time.process_time() - cpu,
                "explore_cpu": _explore_cpu_to_failure(explorations),
                "wall": time.perf_counter() - wall,
                "grade": result.to_json(),
            }
        )
    os._exit(0)  # threads a leaky program left behind must not keep this process alive


def _record_explorations() -> list[tuple[float, Any]]:
    """Wrap the schedule check's ``explore`` so each call's CPU and result are recorded."""
    from evaluator.checks import schedule

    recorded: list[tuple[float, Any]] = []
    namespace = vars(schedule)  # the check's own reference to explore (imported by name)
    explore = namespace["explore"]

    def recording(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        result = explore(*args, **kwargs)
        recorded.append((time.process_time() - began, result))
        return result

    namespace["explore"] = recording
    return recorded


def _explore_cpu_to_failure(explorations: list[tuple[float, Any]]) -> float | None:
    """CPU-seconds the grading spent exploring schedules until its first failing run (whole
    explorations before it, the failing one up to that run): the grader measured the way the
    peers are, around the exploration only. None when no exploration failed."""
    spent = 0.0
    for cpu, result in explorations:
        if result.cpu_to_failure is not None:
            return spent + result.cpu_to_failure
        spent += cpu
    return None


def _load(request: dict[str, Any]) -> tuple[Any, Any]:
    from evaluator.loader import load_program

    spec = load_program(Path(request["spec_path"]), name="stress_spec").SPEC
    program = load_program(Path(request["program"]), name="stress_program")
    return spec, program


async def _async_once(scenario: Any, program: Any) -> None:
    """The scenario on a real loop; a task it left pending is a leak (a failure)."""
    await scenario(program)
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    if pending:
        raise RuntimeError(f"{len(pending)} task(s) still pending when the scenario returned")


def _call(scenario: Any, program: Any) -> None:
    if inspect.iscoroutinefunction(scenario):
        asyncio.run(_async_once(scenario, program))
    else:
        scenario(program)


def stress(request: dict[str, Any]) -> None:
    """Call every scenario of the spec in a loop with real threads until the CPU budget is spent."""
    spec, program = _load(request)
    scenarios = [check.scenario for check in spec.checks if hasattr(check, "scenario")]
    thread_errors: list[BaseException | None] = []
    threading.excepthook = lambda args: thread_errors.append(args.exc_value)
    budget = float(request["cpu_budget"])
    stall = float(request["stall_seconds"])
    start = time.process_time()
    while time.process_time() - start < budget:
        for scenario in scenarios:
            outcome: dict[str, Any] = {}

            def once(scenario: Any = scenario, outcome: dict[str, Any] = outcome) -> None:
                try:
                    _call(scenario, program)
                except BaseException as error:  # a Violation, or a crash the bug caused
                    outcome["error"] = type(error).__name__
                outcome["done"] = True

            thread_errors.clear()
            runner = threading.Thread(target=once, daemon=True)
            runner.start()
            runner.join(max(stall, 5.0) if inspect.iscoroutinefunction(scenario) else stall)
            if not outcome.get("done"):
                _emit({"outcome": "hang"})
                os._exit(0)
            failed = "error" in outcome or bool(thread_errors)
            _emit({"outcome": "fail" if failed else "ok", "error": outcome.get("error")})
    _emit({"outcome": "budget"})
    os._exit(0)


def noop(request: dict[str, Any]) -> None:
    """Import what ``stress`` imports and stop: its start-up CPU, subtracted from stress runs."""
    _load(request)
    _emit({"outcome": "budget"})
    os._exit(0)


if __name__ == "__main__":
    mode, raw = sys.argv[1], sys.argv[2]
    {"grade": grade_many, "stress": stress, "noop": noop}[mode](json.loads(raw))
