"""Grade every challenge's original and every solution N times; print the matrix.

    uv run python benchmarks/challenge_matrix.py [--runs 20] [--only 1,2,3]

For each challenge: how often the original fails with its intended finding, each solution's
pass rate, median grading seconds, the median performance ratio of each approach, and, for
findings that carry ``data["seeds_tried"]``, the median seeds needed to expose the original.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from challenges import all_challenges
from evaluator import grade
from solutions._registry import solution_set
from usererror import UserError


@dataclass
class Tally:
    """Outcomes of one file over several gradings."""

    label: str
    good: int = 0
    runs: int = 0
    seconds: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    seeds_tried: list[int] = field(default_factory=list)

    def cell(self) -> str:
        ratio = f" ×{statistics.median(self.ratios):.2f}" if self.ratios else ""
        return f"{self.label} {self.good}/{self.runs}{ratio} ({statistics.median(self.seconds):.2f}s)"


def grade_many(path: Path, number: int, runs: int, label: str, expect_pass: bool, intended: str) -> Tally:
    tally = Tally(label)
    for run in range(runs):
        started = time.perf_counter()
        result = grade(path, challenge=number, seed=1_000 + 7919 * run)
        tally.seconds.append(time.perf_counter() - started)
        tally.runs += 1
        kinds = {f.kind.value for f in result.failures}
        for kind in kinds:
            tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
        tally.good += result.passed if expect_pass else (not result.passed and intended in kinds)
        if result.performance_ratio is not None:
            tally.ratios.append(result.performance_ratio)
        tally.seeds_tried += [int(f.data["seeds_tried"]) for f in result.failures if "seeds_tried" in f.data]
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated challenge numbers")
    args = parser.parse_args(argv)
    only = {int(n) for n in args.only.split(",") if n}
    print(f"{'#':>2}  original: intended finding, fail rate, median s   |  solutions: pass rate, ×perf ratio (median s)")
    for challenge in all_challenges():
        if only and challenge.number not in only:
            continue
        spec = challenge.spec
        intended = spec.intended.value
        original = grade_many(challenge.program_path, challenge.number, args.runs, "original", False, intended)
        try:
            approaches = solution_set(challenge.number).approaches
        except UserError:
            approaches = ()
        cells = [grade_many(a.path, challenge.number, args.runs, a.name, True, intended).cell() for a in approaches]
        seeds = f", seeds to expose: {statistics.median(original.seeds_tried):.0f}" if original.seeds_tried else ""
        others = ",".join(sorted(original.kinds))
        print(f"{challenge.number:>2}  {intended} {original.good}/{original.runs} "
              f"({statistics.median(original.seconds):.2f}s; kinds: {others}{seeds})  |  " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
