"""Every trace the project can write — each lesson's and each challenge's — passes the validator.

The runs are real (sandboxed, instrumented) with a short deadline: a challenge that hangs by
design (the deadlock of challenge 1) is killed and its trace must still be valid, with the
open waits closed and the kill marked.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from evaluator.trace import to_chrome_trace, validate_trace
from interactive.visualizer.runner import Target, run_to_completion

TARGETS = [("example", str(n)) for n in range(1, 17)] + [
    ("challenge", str(n)) for n in range(1, 17)
]


def _problems(target: tuple[str, str]) -> tuple[tuple[str, str], list[str], int]:
    run = run_to_completion(Target(*target), deadline_s=6)
    trace = to_chrome_trace(run.recorded(), killed=run.killed, title=" ".join(target))
    if run.killed:
        assert any(
            e["ph"] == "i" and e["name"].startswith("killed at the deadline")
            for e in trace["traceEvents"]
        )
    return target, validate_trace(trace), len(trace["traceEvents"])


@pytest.mark.slow
def test_every_lesson_and_challenge_trace_is_valid() -> None:
    with ThreadPoolExecutor(2) as pool:  # two cores: two sandboxed runs at a time
        results = list(pool.map(_problems, TARGETS))
    bad = {" ".join(target): problems[:3] for target, problems, _ in results if problems}
    assert bad == {}
    assert all(count > 1 for _, _, count in results)  # each trace has content (not just metadata)
