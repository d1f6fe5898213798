"""Pure parts of the grader: statistics, growth rules, static hints, crash attribution, rendering."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from rich.console import Console

from evaluator.checks.backpressure import is_unbounded
from evaluator.checks.memory import grows_every_round
from evaluator.checks.performance import overlap
from evaluator.checks.timing import crop, welch_t
from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from evaluator.loader import load_program
from evaluator.locate import crash_finding
from evaluator.render import render_grade, result_to_json
from evaluator.stacks import summarize_stacks
from evaluator.static_hints import static_hints
from usererror import UserError


def test_welch_t_is_zero_for_identical_samples_and_large_for_shifted_ones() -> None:
    rng = random.Random(1)
    base = [rng.gauss(100, 5) for _ in range(500)]
    assert welch_t(base, base) == 0.0
    assert welch_t([x + 20 for x in base], base) > 30
    assert welch_t([1.0], [2.0, 3.0]) == 0.0


def test_crop_drops_the_slowest_measurements_of_both_classes() -> None:
    fixed, randomized = crop([1, 2, 3, 1000], [1, 2, 3, 4], percentile=0.75)
    assert 1000 not in fixed
    assert max(randomized) <= 4


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([0, 100_000, 200_000, 300_000], True),
        ([0, 100_000, 99_000, 300_000], False),  # one round shrank: a cache, not a leak
        ([0, 10, 20, 30], False),  # grows, but by less than the noise floor
        ([0], False),
    ],
)
def test_memory_growth_rule(samples: list[int], expected: bool) -> None:
    assert grows_every_round(samples, min_total=64 * 1024) is expected


def test_backpressure_rule_tells_bounded_from_unbounded() -> None:
    assert is_unbounded({200: 200, 2000: 2000})
    assert not is_unbounded({200: 16, 2000: 16})
    assert not is_unbounded({200: 40, 2000: 60})


def test_overlap_is_one_for_sequential_waits_and_n_for_parallel_ones() -> None:
    assert overlap([(0, 1), (1, 2), (2, 3)]) == pytest.approx(1.0)
    assert overlap([(0, 1), (0, 1), (0, 1), (0, 1)]) == pytest.approx(4.0)
    assert overlap([]) == 0.0


def test_static_hints_flag_wall_clock_intervals_and_bare_acquire(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(
        "import threading, time\n"
        "lock = threading.Lock()\n"
        "def f():\n"
        "    start = time.time()\n"
        "    lock.acquire()\n"
        "    work = 1\n"
        "    lock.release()\n"
        "    return time.time() - start\n"
        "def g():\n"
        "    lock.acquire()\n"
        "    try:\n"
        "        pass\n"
        "    finally:\n"
        "        lock.release()\n",
        encoding="utf-8",
    )
    hints = static_hints(program)
    assert {(h.title, h.location) for h in hints} == {
        ("time.time() used to measure an interval", "program.py:8"),
        ("lock.acquire() without try/finally", "program.py:5"),
    }
    assert all(h.severity is Severity.WARN for h in hints)


def test_loader_reports_missing_files_and_keeps_syntax_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_program(tmp_path / "nope.py")
    broken = tmp_path / "program.py"
    broken.write_text("def f(:\n    pass\n", encoding="utf-8")
    with pytest.raises(SyntaxError) as info:
        load_program(broken)
    finding = crash_finding(info.value, broken, "import")
    assert finding is not None and finding.location == "program.py:1"


def test_crash_in_learner_code_is_blamed_on_their_line_and_others_are_not(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text("def divide(a, b):\n    return a / b\n", encoding="utf-8")
    module = load_program(program, name="crash_probe")
    with pytest.raises(ZeroDivisionError) as info:
        module.divide(1, 0)
    finding = crash_finding(info.value, program, "check")
    assert finding is not None
    assert (finding.kind, finding.location) == (FindingKind.CRASH, "program.py:2")
    assert crash_finding(KeyError("spec bug"), program, "check") is None


def test_stack_summary_lists_the_learners_frames_first() -> None:
    data = {
        "threads": [
            {
                "name": "MainThread",
                "frames": [{"file": "/x/threading.py", "line": 1, "func": "join", "code": ""}],
            },
            {
                "name": "worker",
                "frames": [
                    {"file": "/tmp/program.py", "line": 7, "func": "work", "code": "q.get()"},
                    {"file": "/x/queue.py", "line": 3, "func": "get", "code": ""},
                ],
            },
        ]
    }
    assert summarize_stacks(data, ["program.py"]) == [
        "thread 'worker' at program.py:7 in work: q.get()",
        "thread 'MainThread' at threading.py:1 in join",
    ]


def _result() -> GradeResult:
    leak = Finding(
        FindingKind.THREAD_LEAK,
        Severity.FAIL,
        "1 thread still alive after the scenario ended",
        (
            "thread 'squarer' is still running",
            "    program.py:18 in _work: item = self.inbox.get()",
        ),
        hint="Send a sentinel and join the worker.",
        location="program.py:18",
        check="cleans up",
    )
    hint = Finding(
        FindingKind.STATIC_HINT,
        Severity.WARN,
        "time.time() used to measure an interval",
        location="program.py:4",
        check="static hints",
    )
    return GradeResult(
        3,
        False,
        (leak, hint),
        (CheckOutcome("cleans up", False, 0.5),),
        1.25,
        42,
        internal_errors=("check 'x': KeyError",),
    )


def test_render_fits_80_columns_and_shows_evidence_hint_and_replay() -> None:
    buffer = io.StringIO()
    render_grade(Console(file=buffer, width=80, color_system=None), _result())
    text = buffer.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    for expected in (
        "FAIL",
        "thread-leak",
        "program.py:18",
        "Send a sentinel",
        "learn check 3 --replay 42",
        "WARN",
        "seed 42",
        "cleans up",
        "not your fault",
    ):
        assert expected in text


def test_result_json_round_trips_with_internal_errors() -> None:
    import json

    result = _result()
    assert GradeResult.from_json(json.loads(result_to_json(result))) == result


def test_a_check_proven_over_every_ordering_says_so() -> None:
    result = GradeResult(
        1,
        True,
        (),
        (
            CheckOutcome("opposite transfers", True, 0.1, 10, exhaustive=True),
            CheckOutcome("a ring of three transfers", True, 0.4, 180),
        ),
        0.6,
        1,
    )
    buffer = io.StringIO()
    render_grade(Console(file=buffer, width=80, color_system=None), result)
    text = buffer.getvalue()
    assert "10 (all)" in text and "180 (all)" not in text
    assert "every distinct ordering" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    import json

    assert GradeResult.from_json(json.loads(result_to_json(result))) == result


def test_every_declared_check_names_a_runner_that_exists() -> None:
    """A declared check imports its implementation only when it runs: a misspelled runner would
    surface only in a grading, so every kind is resolved here."""
    import importlib

    from evaluator import spec

    kinds = [getattr(spec, name) for name in spec.__all__]
    declared = [
        kind
        for kind in kinds
        if isinstance(kind, type)
        and issubclass(kind, spec.DeclaredCheck)
        and kind is not spec.DeclaredCheck
    ]
    assert len(declared) == 8
    for kind in declared:
        module, function = kind._runner
        assert callable(getattr(importlib.import_module(f"evaluator.checks.{module}"), function)), (
            kind
        )
