"""Every benchmark suite runs in --quick mode and produces a readable table."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from benchmarks._runner import run_suite
from benchmarks.render import render_run
from benchmarks.suites import SUITE_MODULES, Suite, all_suites, find_suite
from benchmarks.suites import solutions as solutions_suite

SUITES = {suite.name: suite for suite in all_suites()}


def _render(suite: Suite, run: dict[str, Any]) -> str:
    console = Console(record=True, width=120, color_system=None)
    render_run(console, suite, run)
    return console.export_text()


def test_every_suite_module_is_registered_once() -> None:
    assert len(SUITES) == len(SUITE_MODULES)
    assert find_suite("cpu-bound") is SUITES["cpu-bound"]
    assert find_suite("no-such-suite") is None


@pytest.mark.parametrize("name", [name for name in SUITES if name != "solutions"])
def test_suite_runs_quick_and_renders_a_table(name: str) -> None:
    suite = SUITES[name]
    plan = suite.plan(True)
    run = run_suite(suite, quick=True)

    assert run["errors"] == []
    assert len(run["benchmarks"]) == len(plan.cases)
    for bench in run["benchmarks"]:
        stats = bench["stats"]
        assert stats["rounds"] == plan.rounds == len(stats["data"])
        if "memory" in bench["fullname"]:
            # RSS grows in whole pages: 100 small tasks can fit in pages already mapped.
            assert stats["median"] >= 0, bench["fullname"]
        else:
            assert stats["median"] > 0, bench["fullname"]
    text = _render(suite, run)
    assert suite.question.split(":")[0] in text.replace("\n", " ")
    for case in plan.cases:
        assert case.name in text
    assert "baseline" in text
    assert "This machine:" in text and "GIL" in text


def test_cpu_bound_measures_what_the_done_criterion_names() -> None:
    run = run_suite(SUITES["cpu-bound"], quick=True)
    names = {
        (bench["group"].split(":")[0].split(" ")[0], bench["name"]) for bench in run["benchmarks"]
    }
    assert {
        ("CPU", "processes"),
        ("CPU", "threads"),
        ("memory", "asyncio"),
        ("memory", "threads"),
    } <= names
    memory = {
        b["name"]: b["stats"]["median"]
        for b in run["benchmarks"]
        if b["group"].startswith("memory")
    }
    # A waiting asyncio task is a heap object; its resident cost is far below a 4 KiB page.
    assert 0 < memory["asyncio"] < 4096


def test_solutions_suite_says_so_when_nothing_is_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solutions_suite, "CHALLENGES_DIR", tmp_path / "challenges")
    monkeypatch.setattr(solutions_suite, "SOLUTIONS_DIR", tmp_path / "solutions")
    run = run_suite(SUITES["solutions"], quick=True)
    assert run["benchmarks"] == []
    assert "nothing to compare" in _render(SUITES["solutions"], run)


def _fake_challenge(root: Path) -> None:
    challenge = root / "challenges" / "challenge99_counter"
    challenge.mkdir(parents=True)
    (challenge / "spec.py").write_text(
        textwrap.dedent("""
        from evaluator.findings import FindingKind
        from evaluator.spec import ChallengeSpec, PerformanceCheck

        def workload(module):
            return module.count_to(2_000)

        SPEC = ChallengeSpec(
            number=99, slug="counter", title="Counting", summary="counts", concepts=("locks",),
            difficulty=1, intended=FindingKind.RACE, hints=(),
            checks=(PerformanceCheck("counting stays fast", workload, reference="loop"),),
        )
    """)
    )
    solutions = root / "solutions" / "challenge99_counter"
    solutions.mkdir(parents=True)
    (solutions / "loop.py").write_text("def count_to(n):\n    return sum(1 for _ in range(n))\n")
    (solutions / "builtin.py").write_text("def count_to(n):\n    return len(range(n))\n")


def test_solutions_suite_times_every_solution_against_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_challenge(tmp_path)
    monkeypatch.setattr(solutions_suite, "CHALLENGES_DIR", tmp_path / "challenges")
    monkeypatch.setattr(solutions_suite, "SOLUTIONS_DIR", tmp_path / "solutions")

    run = run_suite(SUITES["solutions"], quick=True)

    assert run["errors"] == []
    assert [bench["name"] for bench in run["benchmarks"]] == ["loop", "builtin"]  # reference first
    text = _render(SUITES["solutions"], run)
    assert "challenge99_counter" in text and "vs loop" in text
