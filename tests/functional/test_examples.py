"""Every lesson runs to completion in a fresh interpreter and leaves nothing behind."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap

import pytest
from _pytest.mark import ParameterSet

from examples import Example, all_examples, get_example
from staticmeta import module_constant
from tests.conftest import ROOT

EXPECTED_COUNT = 24

# Runs one lesson, then reports what is still alive. Exits 3 on any leak so the assertion
# message below can show the report.
_RUNNER = textwrap.dedent(
    """
    import json, multiprocessing, os, sys, threading
    fds_before = len(os.listdir("/proc/self/fd"))
    import examples
    number, variant = int(sys.argv[1]), (sys.argv[2] or None)
    examples.run_example(number, variant)
    sys.stdout.flush()
    from multiprocessing import resource_tracker
    # spawn/forkserver start one resource tracker per process and keep its pipe open until
    # exit by design: that one descriptor is not a leak of the lesson.
    tracker_fds = 1 if getattr(resource_tracker._resource_tracker, "_fd", None) is not None else 0
    leaks = {
        "threads": [t.name for t in threading.enumerate() if t is not threading.main_thread()],
        "children": [p.pid for p in multiprocessing.active_children()],
        "fds": len(os.listdir("/proc/self/fd")) - fds_before - tracker_fds,
    }
    print("LEAK-REPORT " + json.dumps(leaks), file=sys.stderr)
    sys.exit(3 if leaks["threads"] or leaks["children"] or leaks["fds"] else 0)
    """
)


def _runs() -> list[ParameterSet]:
    params = []
    for example in all_examples():
        for variant in (None, *example.variants):
            name = f"ex{example.number:02d}-{variant or 'all'}"
            params.append(pytest.param(example.number, variant, id=name))
    return params


@pytest.mark.parametrize(("number", "variant"), _runs())
def test_example_runs_cleanly(number: int, variant: str | None) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(number), variant or ""],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = result.stderr.strip().splitlines()[-1:] if result.stderr else []
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr
    assert report and report[0].startswith("LEAK-REPORT"), result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) >= 6 and len(result.stdout) >= 300, f"too little narration:\n{result.stdout}"
    _assert_hypotheses_printed(get_example(number), variant, result.stdout)
    _assert_interpreter_and_next_step(get_example(number), result.stdout)


def _hypotheses(example: Example) -> dict[str, tuple[str, ...]]:
    tree = ast.parse(example.path.read_text(encoding="utf-8"))
    declared = module_constant(tree, "HYPOTHESES", None)
    assert isinstance(declared, dict) and declared, "declare HYPOTHESES = {variant: (ids, ...)}"
    return declared


def _assert_hypotheses_printed(example: Example, variant: str | None, stdout: str) -> None:
    """Each hypothesis the variant states is printed with a verdict (whatever the verdict is)."""
    declared = _hypotheses(example)
    keys = [variant] if variant else list(declared)
    for key in keys:
        for hid in declared[key]:
            pattern = rf"^hypothesis {re.escape(hid)}: .+ → (held|tie|not here)  \[.+\]$"
            assert re.search(pattern, stdout, re.MULTILINE), (
                f"hypothesis {hid} ({key}) not printed:\n{stdout}"
            )


def _assert_interpreter_and_next_step(example: Example, stdout: str) -> None:
    assert re.search(r"^ran with \S+ \d+\.\d+\.\d+\S* · build: ", stdout, re.MULTILINE), stdout[
        :500
    ]
    assert "try next" in stdout and "Edit it:" in stdout
    assert example.next_challenges, "declare NEXT_CHALLENGES = (n, ...)"
    assert f"next challenge: learn challenge {example.next_challenges[0]} " in stdout


@pytest.mark.parametrize("example", all_examples(), ids=lambda e: f"ex{e.number:02d}")
def test_hypotheses_cover_every_variant(example: Example) -> None:
    declared = _hypotheses(example)
    assert set(declared) == (set(example.variants) or {"main"})
    assert all(declared.values()), "every variant states at least one hypothesis"


def test_lesson_numbers_are_unique_and_contiguous() -> None:
    numbers = [example.number for example in all_examples()]
    assert numbers, "no lessons found in examples/"
    assert len(numbers) == len(set(numbers)), f"duplicate lesson numbers: {numbers}"
    assert numbers == list(range(1, len(numbers) + 1)), f"gap in lesson numbers: {numbers}"
    assert len(numbers) == EXPECTED_COUNT


@pytest.mark.parametrize("example", all_examples(), ids=lambda e: f"ex{e.number:02d}")
def test_lesson_metadata(example: Example) -> None:
    assert len(example.lesson) >= 600, "the module docstring is the lesson: write it"
    assert example.lesson.lstrip().startswith("#"), "the lesson starts with a markdown heading"
    assert example.title
    assert example.concepts and all(isinstance(c, str) and c for c in example.concepts)
    assert 1 <= example.difficulty <= 5
    assert len(set(example.variants)) == len(example.variants)
    tree = ast.parse(example.path.read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    missing = {"TITLE", "CONCEPTS", "DIFFICULTY", "VARIANTS"} - assigned
    assert not missing, f"declare {sorted(missing)} at module level"


@pytest.mark.parametrize("example", all_examples(), ids=lambda e: f"ex{e.number:02d}")
def test_lesson_main_accepts_a_variant(example: Example) -> None:
    import inspect

    from examples import load_module

    module = load_module(example)
    parameters = inspect.signature(module.main).parameters
    assert list(parameters) == ["variant"], "main(variant: str | None = None) is the contract"
    assert parameters["variant"].default is None
