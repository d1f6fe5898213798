"""How long `learn` takes to start, measured as a learner runs it: fresh processes.

Run: ``uv run python benchmarks/startup.py [--runs N]``

Times ``python -c pass`` (the interpreter's own floor), ``learn --help`` and ``learn list``
in the same run, interleaved round by round so machine noise hits all three alike, and
prints the median, spread and the ratio to the bare interpreter.

Two modes are measured:

- **bytecode cache on** (what a learner sees from the second run on): Python reuses the
  ``.pyc`` files written by a warm-up run.
- **bytecode cache off** (as with ``PYTHONDONTWRITEBYTECODE=1`` on a fresh checkout, which
  some sandboxes and CI images set): every module is compiled from source on every start.
  Simulated with an empty ``PYTHONPYCACHEPREFIX``. Only the first mode is held to the goals.

Goals (issue 15): ``learn --help`` median ≤ 100 ms, ``learn list`` and ``learn progress``
≤ 200 ms with the cache on. Progress is read from a throw-away ``LEARN_HOME`` holding one
profile's database, so the tracker really opens and queries it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEARN = Path(sys.executable).parent / "learn"
GOALS_MS = {"learn --help": 100.0, "learn list": 200.0, "learn progress": 200.0}


@dataclass(frozen=True)
class Summary:
    """Wall times of one command, in milliseconds."""

    name: str
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return q1, q3


def commands() -> dict[str, list[str]]:
    """The command lines to time; ``learn`` is the venv's entry-point script."""
    learn = [str(LEARN)] if LEARN.exists() else [sys.executable, "-c", "from cli import app; app()"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "learn --help": [*learn, "--help"],
        "learn list": [*learn, "list"],
        "learn progress": [*learn, "progress"],
    }


def learner_home() -> str:
    """A throw-away LEARN_HOME with one profile's (empty) progress database."""
    home = tempfile.mkdtemp(prefix="learn-startup-home-")
    env = {**os.environ, "LEARN_HOME": home, "LEARN_PROFILE": "bench"}
    learn = [str(LEARN)] if LEARN.exists() else [sys.executable, "-c", "from cli import app; app()"]
    subprocess.run(
        [*learn, "profile", "create", "bench"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return home


HOME = learner_home() if __name__ == "__main__" else ""


def environment(empty_pycache: str | None) -> dict[str, str]:
    """Cache on: normal Python. Cache off: look for .pyc files only in an empty folder."""
    env = {**os.environ, "COLUMNS": "100", "LEARN_HOME": HOME, "LEARN_PROFILE": "bench"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if empty_pycache is not None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = empty_pycache
    return env


def time_once(argv: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return (time.perf_counter() - began) * 1000


def measure(runs: int, bytecode_cache: bool) -> list[Summary]:
    """Interleave the commands round by round; the first (warm-up) round is discarded."""
    if not bytecode_cache:
        with tempfile.TemporaryDirectory(prefix="learn-no-pyc-") as empty:
            return _measure(runs, environment(empty))
    return _measure(runs, environment(None))


def _measure(runs: int, env: dict[str, str]) -> list[Summary]:
    todo = commands()
    samples: dict[str, list[float]] = {name: [] for name in todo}
    for round_number in range(runs + 1):
        for name, argv in todo.items():
            took = time_once(argv, env)
            if round_number:
                samples[name].append(took)
    return [Summary(name, tuple(values)) for name, values in samples.items()]


def report(title: str, summaries: list[Summary], judge: bool) -> None:
    floor = summaries[0].median
    print(f"\n{title}")
    print(f"  {'command':<16}{'median':>8}{'q1–q3':>14}{'min–max':>14}{'× python':>10}  goal")
    for summary in summaries:
        q1, q3 = summary.quartiles
        spread = f"{q1:.0f}–{q3:.0f} ms"
        extremes = f"{min(summary.samples):.0f}–{max(summary.samples):.0f} ms"
        goal = GOALS_MS.get(summary.name)
        verdict = ""
        if goal is not None and judge:
            verdict = f"≤ {goal:.0f} ms: {'met' if summary.median <= goal else 'MISSED'}"
        print(
            f"  {summary.name:<16}{summary.median:>5.0f} ms{spread:>14}{extremes:>14}"
            f"{summary.median / floor:>9.1f}×  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed rounds per mode (default 11)")
    parser.add_argument(
        "--cached-only", action="store_true", help="skip the no-bytecode-cache mode"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"Python {sys.version.split()[0]} on {os.cpu_count()} cores, {args.runs} rounds per mode")
    report("bytecode cache on (a learner's second and later runs)", measure(args.runs, True), True)
    if not args.cached_only:
        report(
            "bytecode cache off (every module compiled from source)",
            measure(args.runs, False),
            False,
        )


if __name__ == "__main__":
    main()
