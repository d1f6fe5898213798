"""benchmarks/grader_power.py runs end to end on two corpus cases and prints its table and summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
def test_grader_power_prints_table_and_summary() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/grader_power.py",
            "--reruns",
            "1",
            "--no-sandbox",
            "--cases",
            "race_global_counter,async_task_leak",
            "--stress-cpu",
            "0.3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Grader power — 1 rerun(s)" in out
    for row in ("race", "async", "ALL"):
        assert any(line.strip("│┃ ").startswith(row) for line in out.splitlines()), out
    assert "1/1 (100%)" in out  # each bug program failed with its intended kind
    assert "0/2" in out  # no fixed twin failed (ALL row: 2 fixed gradings)
    for goal in (
        "recall ≥ 95% in every class",
        "0 false FAILs",
        "replay fidelity 100%",
        "stress loop's bugs per CPU-second",
        "not measured (--no-sandbox)",
    ):
        assert goal in out, out


def test_cases_are_grouped_by_folder_prefix() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.grader_power import bug_class, select_cases

    assert bug_class("thread_leak_timer") == "thread-leak"
    assert (
        bug_class("lock_held_during_io_cache_fill") == bug_class("held_lock_sleep") == "held-lock"
    )
    assert bug_class("cta_singleton") == "check-then-act"
    assert bug_class("race_dict_counter") == "race"
    assert select_cases("race_global_counter") == ["race_global_counter"]
    assert all(c.startswith("deadlock_") for c in select_cases("deadlock_*"))
