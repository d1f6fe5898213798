"""grader_power.py: the stress ratio as measured, and the --peers adapters and install check."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmarks import _power_worker, grader_peers, grader_power  # noqa: E402
from benchmarks._peer_adapters import (  # noqa: E402
    CannotExpress,
    GatherCapture,
    ThreadCapture,
    fresh_program,
    model,
)
from evaluator.loader import load_program  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def _case(case: str, variant: str = "bug") -> tuple[object, object, object]:
    spec_module = load_program(CORPUS / case / "spec.py", name=f"test_power_spec_{case}")
    (check,) = [c for c in spec_module.SPEC.checks if hasattr(c, "scenario")]
    return spec_module, check.scenario, fresh_program(CORPUS / case / f"{variant}.py")


def test_power_ratio_is_measured_or_says_stress_found_nothing() -> None:
    row = {"grader_rate": 20.0, "stress_rate": 0.0, "stress_cpu": 12.5}
    assert grader_power._ratio(row) is None
    assert grader_power._ratio_text(row) == "stress found 0 in 12.5 CPU-s"
    row = {"grader_rate": 20.0, "stress_rate": 4.0, "stress_cpu": 12.5}
    assert grader_power._ratio_text(row) == "5.0×"
    assert "async" in grader_power.STRESS_CLASSES
    assert grader_power.bug_class("async_lost_update") == "async"


def test_power_stress_runs_asyncio_scenarios_and_counts_a_leaked_task() -> None:
    async def leaks(program: object) -> None:
        asyncio.get_running_loop().create_task(asyncio.sleep(10))

    async def clean(program: object) -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="still pending"):
        _power_worker._call(leaks, None)
    _power_worker._call(clean, None)


def test_power_thread_capture_turns_a_scenario_into_workers_and_an_invariant() -> None:
    spec_module, scenario, build = _case("race_global_counter")
    state = ThreadCapture(spec_module, scenario, build())
    assert len(state.targets) == 3  # three record_hits threads, recorded, not started
    for target in state.targets:
        target()
    assert state.holds()  # run one after another: 9 hits, the expect() passes
    skipped = ThreadCapture(spec_module, scenario, build())
    skipped.targets[0]()
    assert not skipped.holds()  # a lost update (here: a worker that never ran) fails the expect()


def test_power_gather_capture_parks_the_scenario_until_the_invariant() -> None:
    spec_module, scenario, build = _case("async_lost_update", "fixed")
    state = GatherCapture(spec_module, scenario, build())
    assert len(state.coroutines) == 2

    async def run_all() -> None:
        for index, coroutine in enumerate(state.coroutines):
            state.results[index] = await coroutine

    asyncio.run(run_all())
    assert state.holds()
    partial = GatherCapture(spec_module, scenario, build())
    asyncio.run(partial.coroutines[0])
    partial.coroutines[1].close()
    assert not partial.holds()


@pytest.mark.filterwarnings("ignore:coroutine 'Connection._beat' was never awaited")
def test_power_scenarios_a_peer_cannot_run_say_why() -> None:
    spec_module, scenario, build = _case("async_task_leak")
    with pytest.raises(CannotExpress, match="running loop"):
        GatherCapture(spec_module, scenario, build())
    with pytest.raises(CannotExpress, match="threads only"):
        model(scenario, build)
    spec_module, scenario, build = _case("deadlock_join_under_lock")
    assert (
        ThreadCapture(spec_module, scenario, build()).targets == []
    )  # the worker reports it per bug


def test_power_peers_missing_prints_one_install_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(grader_peers.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(grader_peers, "PEERS_VENV", ROOT / "no-such-venv")
    command = grader_peers.install_command()
    assert command is not None and "--group peers" in command and "\n" not in command
    with pytest.raises(SystemExit) as stopped:
        grader_power.main(["--peers", "--cases", "race_global_counter"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and command in err
