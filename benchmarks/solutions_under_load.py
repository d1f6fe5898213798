"""Is a correct program ever failed by noise? Grade every reference solution while CPU hogs run.

    uv run python benchmarks/solutions_under_load.py [--runs 100] [--hogs 2] [--only 1-8]

Starts ``--hogs`` processes that burn CPU for the whole run, then grades each solution of the
chosen challenges ``--runs`` times through the real sandbox, each run with its own seed.
Prints, per solution: passes, FAILs (with the deciding finding) and median seconds. The goal
is 0 FAIL: verdicts rest on evidence from the run (virtual time, explored schedules), never on
a wall-clock threshold.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fix_judgement import deciding_finding, parse_numbers  # noqa: E402


def _burn(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x = (x * 31 + 7) % 1_000_003


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--hogs", type=int, default=2)
    parser.add_argument("--only", default="1-8")
    args = parser.parse_args(argv)
    from challenges import all_challenges, grade_challenge
    from solutions._registry import solution_set

    only = parse_numbers(args.only)
    targets = [
        (c.number, a)
        for c in all_challenges()
        if not only or c.number in only
        for a in solution_set(c.number).approaches
    ]
    stop_at = time.time() + 24 * 3600
    hogs = [
        multiprocessing.Process(target=_burn, args=(stop_at,), daemon=True)
        for _ in range(args.hogs)
    ]
    for hog in hogs:
        hog.start()
    failures = 0
    try:
        print(
            f"{len(targets)} solutions × {args.runs} gradings with {args.hogs} CPU hogs beside them"
        )
        for number, approach in targets:
            seconds: list[float] = []
            fails: list[str] = []
            for run in range(args.runs):
                began = time.perf_counter()
                result = grade_challenge(
                    approach.path, number, seed=None if run == 0 else 1_000 + run
                )
                seconds.append(time.perf_counter() - began)
                if not result.passed:
                    fails.append(f"seed {result.seed}: {deciding_finding(result)}")
            failures += len(fails)
            print(
                f"{number:>2} {approach.name:<22} pass {args.runs - len(fails)}/{args.runs}  "
                f"FAIL {len(fails)}  median {statistics.median(seconds):.2f}s  max {max(seconds):.2f}s"
            )
            for line in fails[:3]:
                print(f"     {line[:150]}")
    finally:
        for hog in hogs:
            hog.terminate()
    print(f"total FAIL of correct solutions: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
