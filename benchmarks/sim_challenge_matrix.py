"""Grade challenges 9-16 (simulated distributed systems) and their solutions over many seeds.

Prints, per program: the verdict rate, the finding classes, seconds per grading (median and
max) and, for failing programs, how many fault seeds it took to expose the bug. Grading runs
in-process (``SimCheck.run`` exactly as the sandboxed grader calls it)::

    uv run python -m benchmarks.sim_challenge_matrix --seeds 20
    uv run python -m benchmarks.sim_challenge_matrix --challenges 9 12 --seeds 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from challenges._registry import Challenge, get_challenge
from evaluator.findings import Finding
from evaluator.loader import load_program
from evaluator.spec import CheckContext

__all__ = ["Row", "grade", "matrix"]


@dataclass
class Row:
    """How one program fared over the base seeds."""

    challenge: int
    program: str
    seconds: list[float] = field(default_factory=list)
    failed: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    seeds_to_expose: list[int] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.seconds)


def load(path: Path) -> ModuleType:
    """Import a program file as a fresh module."""
    return load_program(path, name=f"graded_{path.parent.name}_{path.stem}")


def grade(challenge: Challenge, module: ModuleType, path: Path, seed: int) -> list[Finding]:
    """Every finding of every check of the challenge, for one base seed."""
    ctx = CheckContext(
        seed=seed,
        program_path=path,
        challenge_dir=challenge.directory,
        solutions_dir=challenge.solutions_dir,
    )
    return [finding for check in challenge.spec.checks for finding in check.run(module, ctx)]


def matrix(numbers: list[int], seeds: int) -> list[Row]:
    rows = []
    for number in numbers:
        challenge = get_challenge(number)
        for path in [challenge.program_path, *sorted(challenge.solutions_dir.glob("*.py"))]:
            row = Row(number, "original" if path.name == "program.py" else path.stem)
            module = load(path)
            for seed in range(seeds):
                start = time.perf_counter()
                findings = grade(challenge, module, path, seed)
                row.seconds.append(time.perf_counter() - start)
                if findings:
                    row.failed += 1
                    row.kinds.update(f.kind.value for f in findings)
                    row.seeds_to_expose.append(int(findings[0].data.get("seeds_tried", 0)))
            rows.append(row)
    return rows


def render(rows: list[Row]) -> str:
    lines = [
        f"{'ch':>2}  {'program':<22} {'verdict':<14} {'finding classes':<26} "
        f"{'s/grading med':>13} {'max':>6}  seeds to expose (min/med/max)"
    ]
    for row in rows:
        verdict = f"FAIL {row.failed}/{row.runs}" if row.failed else f"pass {row.runs}/{row.runs}"
        kinds = ", ".join(f"{k}×{n}" for k, n in row.kinds.most_common()) or "-"
        exposed = "-"
        if row.seeds_to_expose:
            s = row.seeds_to_expose
            exposed = f"{min(s)}/{statistics.median(s):g}/{max(s)}"
        lines.append(
            f"{row.challenge:>2}  {row.program:<22} {verdict:<14} {kinds:<26} "
            f"{statistics.median(row.seconds):>13.2f} {max(row.seconds):>6.2f}  {exposed}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, nargs="*", default=list(range(9, 17)))
    parser.add_argument("--seeds", type=int, default=20, help="base seeds per program")
    args = parser.parse_args()
    challenges_dir = Path(__file__).resolve().parent.parent / "challenges"
    known = [n for n in args.challenges if any(challenges_dir.glob(f"challenge{n:02d}_*"))]
    print(render(matrix(known, args.seeds)))


if __name__ == "__main__":
    main()
