"""What a benchmark run records about the machine: enough to read concurrency results honestly."""

from __future__ import annotations

import multiprocessing
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _spin(steps: int) -> None:
    total = 0
    for i in range(steps):
        total += i
    del total


def free_parallelism(steps: int, workers: int) -> float:
    """How many cores' worth of work this program gets right now (1.0 … ``workers``).

    Times ``steps`` of pure-Python work in one process, then the same work in ``workers``
    processes at once. On an idle machine the second takes as long as the first (ratio =
    ``workers``); when other programs keep the cores busy, it takes longer and the ratio drops.
    No parallel case of a benchmark can beat this ceiling.
    """
    context = multiprocessing.get_context("fork")
    began = time.perf_counter()
    _spin(steps)
    alone = time.perf_counter() - began
    children = [context.Process(target=_spin, args=(steps,)) for _ in range(workers)]
    began = time.perf_counter()
    for child in children:
        child.start()
    for child in children:
        child.join()
    together = time.perf_counter() - began
    return max(1.0, min(float(workers), workers * alone / together))


def _cpu_pressure() -> float | None:
    """Linux PSI: % of the last 10 s in which some runnable task waited for a CPU."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    fields = dict(part.split("=") for part in line.split()[1:])
    return float(fields["avg10"])


def machine_info(quick: bool = False) -> dict[str, Any]:
    """pytest-benchmark's machine_info keys, plus what explains concurrency results."""
    gil_check = getattr(sys, "_is_gil_enabled", None)
    usable = len(os.sched_getaffinity(0))
    return {
        "node": platform.node(),
        "processor": platform.processor(),
        "machine": platform.machine(),
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": list(platform.python_build()),
        "release": platform.release(),
        "system": platform.system(),
        "cpu": {"count": os.cpu_count(), "usable": usable},
        "gil": True if gil_check is None else bool(gil_check()),
        "load_average": os.getloadavg()[0],
        "cpu_pressure": _cpu_pressure(),
        "free_parallelism": free_parallelism(200_000 if quick else 2_000_000, usable),
    }


def commit_info() -> dict[str, Any]:
    """The checkout the run measured (``dirty`` means uncommitted changes, e.g. a solution edit)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "id": git("rev-parse", "HEAD") or None,
        "branch": git("rev-parse", "--abbrev-ref", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "project": "concurrency-lab",
    }
