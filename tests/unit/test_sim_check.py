"""SimCheck: fault seeds, replay, and how failures become findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluator.findings import FindingKind, Severity
from evaluator.spec import CheckContext
from simworld import Node, World
from simworld.check import SimCheck, SimViolation, fault_seeds
from simworld.program import SimProgram


def _ctx(seed: int = 1, replay: int | None = None) -> CheckContext:
    here = Path("challenges/challenge09_distributed_lock")
    return CheckContext(
        seed=seed,
        program_path=here / "program.py",
        challenge_dir=here,
        solutions_dir=Path("solutions/challenge09_distributed_lock"),
        replay=replay,
    )


def _program(tmp_path: Path) -> SimProgram:
    path = tmp_path / "program.py"
    path.write_text("X = 1\n", encoding="utf-8")
    return SimProgram(path)


def _odd_seeds_break(program: Any, world: World) -> None:
    world.history.add("nemesis", "pause n for 100ms", "nemesis")
    if world.seed % 2:
        raise SimViolation("odd seed", "detail line", at=0)


def test_fault_seeds_are_derived_deterministically_from_the_base_seed() -> None:
    assert fault_seeds(5, "x", 4) == fault_seeds(5, "x", 4)
    assert fault_seeds(5, "x", 4) != fault_seeds(6, "x", 4)


def test_the_first_violating_seed_becomes_a_replayable_fail_finding(tmp_path: Path) -> None:
    check = SimCheck("odd", _odd_seeds_break, seeds=30)
    [finding] = check.run(_program(tmp_path), _ctx())
    seeds = fault_seeds(1, "odd", 30)
    tried = next(i for i, s in enumerate(seeds, 1) if s % 2)
    assert finding.severity is Severity.FAIL and finding.kind is FindingKind.DISTRIBUTED
    assert finding.seed == seeds[tried - 1] and finding.data["seeds_tried"] == tried
    assert f"learn check 9 --replay {finding.seed}" in finding.evidence[0]
    assert any("NEMESIS" in line for line in finding.evidence)
    assert "detail line" in finding.evidence


def test_replay_runs_exactly_the_given_seed(tmp_path: Path) -> None:
    check = SimCheck("odd", _odd_seeds_break)
    assert check.run(_program(tmp_path), _ctx(replay=4)) == []
    assert check.run(_program(tmp_path), _ctx(replay=7))[0].seed == 7


def test_an_exception_in_learner_code_is_a_crash_finding(tmp_path: Path) -> None:
    async def broken(node: Node) -> None:
        await node.sleep(5)
        raise KeyError("missing")

    def scenario(program: Any, world: World) -> None:
        world.node("n", broken)
        world.run(until=100)

    [finding] = SimCheck("crash", scenario).run(_program(tmp_path), _ctx())
    assert finding.kind is FindingKind.CRASH and "KeyError" in finding.title


def test_a_world_that_never_advances_is_a_timeout_finding(tmp_path: Path) -> None:
    async def spin(node: Node) -> None:
        while True:
            await node.sleep(0)

    def scenario(program: Any, world: World) -> None:
        world.node("n", spin)
        world.run(until=100)

    [finding] = SimCheck("stuck", scenario, seeds=1).run(_program(tmp_path), _ctx())
    assert finding.kind is FindingKind.TIMEOUT
