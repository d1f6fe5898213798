"""Child process of ``grader_power.py --peers``: one peer tool, one corpus program, one seed.

    python benchmarks/_peer_worker.py REQUEST_JSON

``REQUEST_JSON``: ``{"tool": "frontrun-random"|"frontrun-dpor"|"interleave-random"|
"interleave-pct"|"interleave-dfs", "case": folder, "variant": "bug"|"fixed", "seed": int,
"schedules": cap, "seconds": cap}``. Prints one JSON line: ``found`` (a failure the program
caused: an invariant/expect violation, an exception, a deadlock or hang), ``kind``, ``cpu``
(``time.process_time()`` around the exploration only: no interpreter start-up, no imports),
``schedules`` explored, or ``cannot`` (why the tool cannot run this scenario) / ``error``.
frontrun runs under its ``frontrun`` launcher (it requires it); interleave-test needs
Python >= 3.12 and runs from ``.venv-peers``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer_adapters import CannotExpress, GatherCapture, ThreadCapture, fresh_program, model  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def _load(case: str, variant: str) -> tuple[Any, Any, Any]:
    from evaluator.loader import load_program

    spec_module = load_program(CORPUS / case / "spec.py", name=f"peer_spec_{case}")
    checks = [c for c in spec_module.SPEC.checks if hasattr(c, "scenario")]
    if len(checks) != 1:
        raise CannotExpress(f"{len(checks)} scenarios in the spec")
    return spec_module, checks[0].scenario, fresh_program(CORPUS / case / f"{variant}.py")


def run_interleave(request: dict[str, Any]) -> dict[str, Any]:
    import interleave_test

    _, scenario, build = _load(request["case"], request["variant"])
    explored = model(scenario, build)
    _warm_up_interleave(request["tool"].split("-", 1)[1])
    cpu = time.process_time()
    result = interleave_test.explore(
        explored,
        iterations=int(request["max_schedules"]),
        seed=int(request["seed"]),
        strategy=request["tool"].split("-", 1)[1],
        raise_on_failure=False,
        timeout=5.0,
    )
    cpu = time.process_time() - cpu
    failure = result.failure
    if failure is None:
        return {
            "found": False,
            "cpu": cpu,
            "schedules": result.schedules_run,
            "exhausted": result.exhausted,
        }
    kind = (
        failure.kind
        if failure.kind != "exception"
        else f"exception:{type(failure.exception).__name__}"
    )
    origin = type(failure.exception).__module__ if failure.exception is not None else ""
    if origin.startswith("interleave_test"):
        return {"error": f"{kind}: {str(failure.exception).splitlines()[0][:160]}", "cpu": cpu}
    return {"found": True, "kind": kind, "cpu": cpu, "schedules": failure.iteration + 1}


def _thread_worker(index: int) -> Any:
    def worker(state: Any) -> None:
        state.targets[index]()

    return worker


def _async_worker(index: int) -> Any:
    async def worker(state: Any) -> None:
        state.results[index] = await state.coroutines[index]

    return worker


def _warm_up_frontrun(strategy: str, is_async: bool) -> None:
    """One trivial exploration first: frontrun's lazy imports are not charged to the bug."""
    import frontrun

    async def bump(state: list[int]) -> None:
        state.append(1)

    worker: Any = bump if is_async else (lambda state: state.append(1))
    limit: dict[str, Any] = (
        {"max_attempts": 2, "seed": 0} if strategy == "random" else {"max_executions": 2}
    )
    if not (is_async and strategy == "random"):
        limit["reproduce_on_failure"] = 0
    outcome = frontrun.explore(
        setup=list,
        workers=[worker, worker],
        invariant=lambda state: True,
        strategy=strategy,
        **limit,
    )
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)


def _warm_up_interleave(strategy: str) -> None:
    """One trivial exploration first: interleave-test's set-up is not charged to the bug."""
    import threading

    import interleave_test

    def trivial() -> None:
        worker = threading.Thread(target=lambda: None)
        worker.start()
        worker.join()

    interleave_test.explore(
        trivial, iterations=2, seed=0, strategy=strategy, raise_on_failure=False
    )


def run_frontrun(request: dict[str, Any]) -> dict[str, Any]:
    import frontrun

    spec_module, scenario, build = _load(request["case"], request["variant"])
    is_async = inspect.iscoroutinefunction(scenario)
    capture = GatherCapture if is_async else ThreadCapture
    shapes: list[str] = []

    def setup() -> Any:
        state = capture(spec_module, scenario, build())
        if not is_async and state.error is not None and isinstance(state.error, CannotExpress):
            shapes.append(str(state.error))
        return state

    def invariant(state: Any) -> bool:
        holds = state.holds()
        if getattr(state, "shape_error", None):
            shapes.append(state.shape_error)
        return holds

    probe = setup()
    count = len(probe.coroutines if is_async else probe.targets)
    if not is_async:
        probe.holds()
    if shapes:
        raise CannotExpress(shapes[0])
    if count == 0:
        raise CannotExpress(
            "the scenario starts no thread/coroutine itself (the program does, inside a worker)"
        )
    workers = [(_async_worker if is_async else _thread_worker)(index) for index in range(count)]
    strategy = request["tool"].split("-", 1)[1]
    _warm_up_frontrun(strategy, is_async)
    options: dict[str, Any] = {"total_timeout": float(request["seconds"]), "deadlock_timeout": 2.0}
    if not (
        is_async and strategy == "random"
    ):  # async random never replays (and rejects the option)
        options["reproduce_on_failure"] = 0
    if strategy == "random":
        options.update(seed=int(request["seed"]), max_attempts=int(request["max_schedules"]))
    else:
        options.update(max_executions=int(request["max_schedules"]))
    cpu = time.process_time()
    outcome = frontrun.explore(
        setup=setup, workers=workers, invariant=invariant, strategy=strategy, **options
    )
    if inspect.iscoroutine(outcome):
        outcome = asyncio.run(outcome)
    cpu = time.process_time() - cpu
    if shapes:
        raise CannotExpress(shapes[0])
    explanation = (outcome.explanation or "").strip().splitlines()
    if outcome.property_holds is not False:
        return {
            "found": False,
            "cpu": cpu,
            "schedules": outcome.num_explored,
            "exhausted": bool(getattr(outcome, "exhausted", False)),
            "inconclusive": outcome.property_holds is None,
        }
    kind = "deadlock" if explanation and explanation[0].startswith("Deadlock") else "invariant"
    return {"found": True, "kind": kind, "cpu": cpu, "schedules": outcome.num_explored}


def main(raw: str) -> None:
    request = json.loads(raw)
    tool = request["tool"]
    try:
        payload = run_frontrun(request) if tool.startswith("frontrun") else run_interleave(request)
    except CannotExpress as reason:
        payload = {"cannot": str(reason)}
    except Exception as error:  # the tool itself failed on this program
        payload = {
            "error": f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}"
        }
    sys.stdout.write(json.dumps({**request, **payload}) + "\n")
    sys.stdout.flush()
    os._exit(0)  # threads a deadlocked schedule left behind must not keep this process alive


if __name__ == "__main__":
    main(sys.argv[1])
