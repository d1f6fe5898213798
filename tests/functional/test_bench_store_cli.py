"""Runs are kept as pytest-benchmark JSON, queried with DuckDB, and reachable from `learn bench`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

import cli
from benchmarks import store
from benchmarks._runner import run_suite
from benchmarks.render import expectation_lines, format_value, ratio_text
from benchmarks.scripts import all_scripts, run_script
from benchmarks.suites import Case, Expectation, Plan, Suite
from benchmarks.suites._model import Round
from usererror import UserError


@contextmanager
def _constant(value: float) -> Iterator[Round]:
    yield lambda: value


def _tiny_suite(fast_bytes: float = 10.0) -> Suite:
    """A suite whose 'bytes' cases return fixed numbers: deterministic, instant."""

    def plan(quick: bool) -> Plan:
        cases = (
            Case("slow", "g", lambda: _constant(40.0), unit="bytes"),
            Case("fast", "g", lambda: _constant(fast_bytes), unit="bytes"),
        )
        return Plan(cases, rounds=3)

    return Suite(
        name="tiny",
        question="Q?",
        hypothesis="H",
        lesson="L",
        baseline="slow",
        plan=plan,
        expectations=(Expectation("fast", "slow", "it is smaller"),),
    )


def test_a_run_is_pytest_benchmark_json() -> None:
    run = run_suite(_tiny_suite(), quick=True)
    path = store.save_run(run)
    document = json.loads(path.read_text())
    assert {"machine_info", "commit_info", "benchmarks", "datetime", "version"} <= set(document)
    bench = document["benchmarks"][1]
    assert bench["fullname"] == "tiny::g::fast"
    assert bench["stats"]["median"] == 10.0 and bench["stats"]["data"] == [10.0, 10.0, 10.0]
    assert path.parent == Path(os.environ["LEARN_HOME"]) / "bench"


def test_history_query_returns_the_stored_runs() -> None:
    store.save_run(run_suite(_tiny_suite(10.0), quick=True))
    store.save_run(run_suite(_tiny_suite(20.0), quick=False))

    rows = store.history("tiny")
    assert [(row.run, row.name, row.median) for row in rows] == [
        (1, "fast", 10.0),
        (1, "slow", 40.0),
        (2, "fast", 20.0),
        (2, "slow", 40.0),
    ]
    assert [row.quick for row in rows] == [True, True, False, False]
    assert [(row.run, row.median) for row in store.history("tiny", case="fast")] == [
        (1, 10.0),
        (2, 20.0),
    ]
    assert store.history("other-suite") == []

    before, after = store.compare()
    assert {row.run for row in before} == {1} and {row.run for row in after} == {2}


def test_compare_explains_what_is_missing() -> None:
    with pytest.raises(UserError, match="compare needs two stored runs"):
        store.compare()
    store.save_run(run_suite(_tiny_suite(), quick=True))
    with pytest.raises(UserError, match="there is no stored run 7"):
        store.compare(1, 7)


def test_expectations_are_checked_against_the_numbers() -> None:
    held = " ".join(
        line.plain for line in expectation_lines(_tiny_suite(10.0), run_suite(_tiny_suite(10.0)))
    )
    missed = " ".join(
        line.plain for line in expectation_lines(_tiny_suite(), run_suite(_tiny_suite(80.0)))
    )
    assert "✓ held" in held and "4.00× less" in held
    assert "✗ not here" in missed and "2.00× more" in missed


def test_numbers_are_formatted_for_people() -> None:
    assert format_value(0.0123, "seconds") == "12.3 ms"
    assert format_value(16 * 1024, "bytes") == "16.0 KiB"
    assert ratio_text(2.0, "seconds") == "2.00× faster"
    assert ratio_text(0.5, "bytes") == "2.00× more"
    assert ratio_text(1.01, "seconds") == "≈ same"


def test_scripts_are_discovered_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "startup.py").write_text('"""Start-up time."""\n')
    (tmp_path / "my_new_bench.py").write_text('"""Something new, measured."""\n')
    scripts = {script.command_name: script for script in all_scripts(tmp_path)}
    assert scripts["startup"].exists
    assert not scripts["grader-power"].exists
    assert scripts["my-new-bench"].summary == "Something new, measured."
    with pytest.raises(UserError, match=r"grader_power\.py is not in this checkout yet"):
        run_script(scripts["grader-power"], quick=True)


def _learn(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.app(args=list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_learn_bench_list_shows_suites_and_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _learn(capsys, "bench", "list")
    assert code == 0
    for name in (
        "cpu-bound",
        "io-fanout",
        "queues",
        "locks",
        "pool-size",
        "batching",
        "solutions",
        "startup",
    ):
        assert name in out


def test_learn_bench_run_keeps_the_run_and_history_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _learn(capsys, "bench", "run", "locks", "--quick")
    assert code == 0, out
    assert "vs one lock" in out and "Kept as run 0001" in out
    code, out, _ = _learn(capsys, "bench", "history", "locks")
    assert code == 0 and "itertools.count" in out and "quick" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bench", "run", "nope"), "there is no benchmark 'nope'"),
        (("bench", "history", "nope"), "there is no suite 'nope'"),
        (("bench", "compare"), "compare needs two stored runs"),
        (("bench", "compare", "1"), "give two run ids"),
    ],
)
def test_learn_bench_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = _learn(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_history_of_nothing_says_how_to_start() -> None:
    from benchmarks.render import render_history

    console = Console(record=True, width=100)
    render_history(console, [])
    assert "No stored runs" in console.export_text()


def test_free_parallelism_is_a_share_of_the_usable_cores() -> None:
    from benchmarks._machine import free_parallelism, machine_info

    assert 1.0 <= free_parallelism(20_000, 2) <= 2.0
    info = machine_info(quick=True)
    assert info["cpu"]["usable"] >= 1 and info["python_version"]


def test_bench_help_imports_neither_duckdb_nor_pytest() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys, cli\n"
        "try:\n    cli.app(args=['bench', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('duckdb', 'pytest', 'pytest_benchmark') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
