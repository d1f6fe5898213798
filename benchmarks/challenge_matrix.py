"""Grade every challenge's original and every solution N times; print the matrix.

    uv run python benchmarks/challenge_matrix.py [--runs 20 | --seeds 11,23,37] [--only 1-8,11]

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

from challenges import all_challenges, grade_challenge
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
        return (
            f"{self.label} {self.good}/{self.runs}{ratio} ({statistics.median(self.seconds):.2f}s)"
        )


def run_seeds(runs: int) -> list[int]:
    """The base seeds of ``runs`` gradings (the default sweep)."""
    return [1_000 + 7919 * run for run in range(runs)]


def grade_many(
    path: Path, number: int, seeds: list[int], label: str, expect_pass: bool, intended: str
) -> Tally:
    tally = Tally(label)
    for seed in seeds:
        started = time.perf_counter()
        result = grade_challenge(path, number, seed=seed)
        tally.seconds.append(time.perf_counter() - started)
        tally.runs += 1
        kinds = {f.kind.value for f in result.failures}
        for kind in kinds:
            tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
        tally.good += result.passed if expect_pass else (not result.passed and intended in kinds)
        if result.performance_ratio is not None:
            tally.ratios.append(result.performance_ratio)
        tally.seeds_tried += [
            int(f.data["seeds_tried"]) for f in result.failures if "seeds_tried" in f.data
        ]
    return tally


def parse_numbers(text: str) -> set[int]:
    """``"1-3,7"`` -> {1, 2, 3, 7}; empty -> every challenge."""
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            numbers.update(range(int(first), int(last or first) + 1))
        except ValueError:
            raise SystemExit(
                f"--only {text!r}: use challenge numbers and ranges, e.g. 1-8,11"
            ) from None
    return numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="gradings of each file (default 20)")
    parser.add_argument(
        "--seeds",
        default="",
        help="exact base seeds instead of --runs, e.g. 11,23,37,41,59 (the former test sweep)",
    )
    parser.add_argument(
        "--only", default="", help="challenge numbers and ranges, e.g. 1-8 or 2,5,9-12"
    )
    args = parser.parse_args(argv)
    only = parse_numbers(args.only)
    try:
        base_seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or run_seeds(args.runs)
    except ValueError:
        raise SystemExit(
            f"--seeds {args.seeds!r}: use comma-separated integers, e.g. 11,23,37"
        ) from None
    print(
        f"{'#':>2}  original: intended finding, fail rate, median s   |  solutions: pass rate, ×perf ratio (median s)"
    )
    for challenge in all_challenges():
        if only and challenge.number not in only:
            continue
        spec = challenge.spec
        intended = spec.intended.value
        original = grade_many(
            challenge.program_path, challenge.number, base_seeds, "original", False, intended
        )
        try:
            approaches = solution_set(challenge.number).approaches
        except UserError:
            approaches = ()
        cells = [
            grade_many(a.path, challenge.number, base_seeds, a.name, True, intended).cell()
            for a in approaches
        ]
        seeds = (
            f", seeds to expose: {statistics.median(original.seeds_tried):.0f}"
            if original.seeds_tried
            else ""
        )
        others = ",".join(sorted(original.kinds))
        print(
            f"{challenge.number:>2}  {intended} {original.good}/{original.runs} "
            f"({statistics.median(original.seconds):.2f}s; kinds: {others}{seeds})  |  "
            + "  ".join(cells)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
