"""Does the grader judge *fixes* right? Grade every case of the fix-judgement corpus N times.

    uv run python benchmarks/fix_judgement.py [--runs 3] [--only 1-8] [--jobs 2] [--json out.json]

The corpus lives in ``tests/fixes/challengeNN/{wrong,right}/*.py``: plausible learner fixes
written from each challenge's README and program alone, by someone who did not write the spec.
Each file starts with ``# fix-judgement: wrong|right`` and ``# class: ...``. Every case is graded
through the real sandbox (``evaluator.grade``), each run with its own seed, and the script
prints per challenge: false PASS (a wrong fix passed), false FAIL (a right fix failed),
unstable cases (the verdict changed between runs) and the median seconds per grading, then the
misjudged cases with the finding that decided them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.challenge_matrix import parse_numbers  # noqa: E402
from challenges import grade_challenge  # noqa: E402
from evaluator.findings import GradeResult  # noqa: E402

CORPUS = ROOT / "tests" / "fixes"
SEEDS = (None, 20_261_127, 4_242_4242, 77_001, 9_000_001)
"""Run 1 uses the learner's default seed (what `learn check N` does); later runs other seeds."""


@dataclass(frozen=True)
class Case:
    """One learner fix of the corpus."""

    challenge: int
    path: Path
    expected: str
    """"wrong" or "right"."""
    fix_class: str

    @property
    def label(self) -> str:
        return f"{self.challenge:02d}/{self.expected}/{self.path.stem}"


@dataclass
class Outcome:
    """The verdicts of one case over several gradings."""

    case: Case
    verdicts: list[bool] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    deciding: list[str] = field(default_factory=list)
    """Per run: the first FAIL finding (kind: title), or "" when the run passed."""

    @property
    def stable(self) -> bool:
        return len(set(self.verdicts)) <= 1

    @property
    def misjudged_runs(self) -> int:
        want_pass = self.case.expected == "right"
        return sum(1 for passed in self.verdicts if passed != want_pass)


def read_header(path: Path) -> tuple[str, str]:
    """(verdict, class) from the file's ``# fix-judgement:`` / ``# class:`` comment lines."""
    verdict, fix_class = "", "?"
    for line in path.read_text(encoding="utf-8").splitlines()[:12]:
        text = line.strip()
        if text.startswith("# fix-judgement:"):
            verdict = text.split(":", 1)[1].strip().split()[0].lower()
        elif text.startswith("# class:"):
            fix_class = text.split(":", 1)[1].strip()
    return verdict, fix_class


def discover(only: set[int], name_filter: str = "") -> list[Case]:
    """Every case of the corpus (optionally only some challenges / names containing a filter)."""
    cases = []
    for folder in sorted(CORPUS.glob("challenge[0-9][0-9]")):
        number = int(folder.name[-2:])
        if only and number not in only:
            continue
        for expected in ("wrong", "right"):
            for path in sorted((folder / expected).glob("*.py")):
                verdict, fix_class = read_header(path)
                if verdict not in ("wrong", "right"):
                    raise SystemExit(f"{path}: missing '# fix-judgement: wrong|right' header")
                if verdict != expected:
                    raise SystemExit(
                        f"{path}: header says {verdict!r} but the file is under {expected}/"
                    )
                if name_filter and name_filter not in path.stem:
                    continue
                cases.append(Case(number, path, expected, fix_class))
    return cases


def deciding_finding(result: GradeResult) -> str:
    if result.passed:
        return ""
    if result.failures:
        first = result.failures[0]
        return f"{first.kind.value}: {first.title}"
    if result.internal_errors:
        return "grader error: " + result.internal_errors[0].splitlines()[-1][:120]
    return "failed without a finding"


def grade_case(case: Case, run: int) -> tuple[bool, float, str]:
    started = time.perf_counter()
    result = grade_challenge(case.path, case.challenge, seed=SEEDS[run % len(SEEDS)])
    return result.passed, time.perf_counter() - started, deciding_finding(result)


def judge(cases: list[Case], runs: int, jobs: int) -> list[Outcome]:
    outcomes = {case.label: Outcome(case) for case in cases}
    work = [(case, run) for run in range(runs) for case in cases]
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (case, _run), (passed, seconds, why) in zip(
            work, pool.map(lambda w: grade_case(*w), work), strict=True
        ):
            outcome = outcomes[case.label]
            outcome.verdicts.append(passed)
            outcome.seconds.append(seconds)
            outcome.deciding.append(why)
            done += 1
            print(f"\r  graded {done}/{len(work)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return list(outcomes.values())


def report(outcomes: list[Outcome]) -> int:
    """Print the table; return the number of problems (false PASS + false FAIL + unstable)."""
    print(
        f"{'ch':>2}  {'wrong':>5} {'right':>5}  {'false PASS':>10} {'false FAIL':>10} {'unstable':>8}  {'median s':>8}"
    )
    problems = 0
    totals = [0, 0, 0, 0, 0]
    all_seconds: list[float] = []
    for number in sorted({o.case.challenge for o in outcomes}):
        mine = [o for o in outcomes if o.case.challenge == number]
        wrong = [o for o in mine if o.case.expected == "wrong"]
        right = [o for o in mine if o.case.expected == "right"]
        false_pass = sum(1 for o in wrong if any(o.verdicts))
        false_fail = sum(1 for o in right if not all(o.verdicts))
        unstable = sum(1 for o in mine if not o.stable)
        seconds = [s for o in mine for s in o.seconds]
        all_seconds += seconds
        problems += false_pass + false_fail + unstable
        for i, value in enumerate((len(wrong), len(right), false_pass, false_fail, unstable)):
            totals[i] += value
        print(
            f"{number:>2}  {len(wrong):>5} {len(right):>5}  {false_pass:>10} {false_fail:>10} {unstable:>8}  "
            f"{statistics.median(seconds):>8.2f}"
        )
    if all_seconds:
        print(
            f"{'all':>3} {totals[0]:>5} {totals[1]:>5}  {totals[2]:>10} {totals[3]:>10} {totals[4]:>8}  "
            f"{statistics.median(all_seconds):>8.2f}"
        )
    bad = [o for o in outcomes if o.misjudged_runs or not o.stable]
    if bad:
        print("\nmisjudged or unstable cases (verdict per run: P pass / F fail):")
        for o in bad:
            runs = "".join("P" if v else "F" for v in o.verdicts)
            why = next((d for d in o.deciding if d), "(passed every run)")
            print(f"  {o.case.label:<48} [{o.case.fix_class}] {runs}  {why[:110]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="gradings of each case (default 3)")
    parser.add_argument("--only", default="", help="challenge numbers and ranges, e.g. 1-8 or 2,5")
    parser.add_argument("--cases", default="", help="only cases whose file name contains this text")
    parser.add_argument("--jobs", type=int, default=2, help="gradings at once (default 2)")
    parser.add_argument("--json", type=Path, help="also write every verdict to this JSON file")
    args = parser.parse_args(argv)
    cases = discover(parse_numbers(args.only), args.cases)
    if not cases:
        raise SystemExit(f"no cases found under {CORPUS}")
    print(f"{len(cases)} cases × {args.runs} runs, {args.jobs} at a time")
    outcomes = judge(cases, args.runs, args.jobs)
    problems = report(outcomes)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "case": o.case.label,
                        "class": o.case.fix_class,
                        "expected": o.case.expected,
                        "verdicts": o.verdicts,
                        "seconds": [round(s, 3) for s in o.seconds],
                        "deciding": o.deciding,
                    }
                    for o in outcomes
                ],
                indent=1,
            ),
            encoding="utf-8",
        )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
