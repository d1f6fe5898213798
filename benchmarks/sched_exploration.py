"""Print how fast the controlled scheduler finds each corpus bug and clears each fixed version.

    uv run python benchmarks/sched_exploration.py [case ...]

Per case: schedules (or asyncio seeds) and seconds until the first FAIL on ``bug.py`` with the
full learner budget, and the time to explore ``fixed.py`` with the full budget (where DFS
finishes early, exploration stops being bounded by the budget: ``dfs done``).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from types import ModuleType

from evaluator.instrument import install
from evaluator.loader import load_program

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
_ids = itertools.count()


def load(path: Path) -> ModuleType:
    return load_program(path, name=f"bench_{path.parent.name}_{path.stem}_{next(_ids)}")


def main(cases: list[str]) -> None:
    install()
    from evaluator.checks.schedule import exploration_stats
    from evaluator.findings import Severity
    from evaluator.spec import CheckContext

    print(f"{'case':30} {'bug: runs':>9} {'s':>6}  {'kind':22} {'fixed: runs':>11} {'s':>6}")
    for case in cases:
        folder = CORPUS / case
        spec = load(folder / "spec.py").SPEC
        check = spec.checks[0]
        row = [f"{case:30}"]
        for variant in ("bug", "fixed"):
            path = folder / f"{variant}.py"
            ctx = CheckContext(
                seed=0, program_path=path, challenge_dir=folder, solutions_dir=folder
            )
            started = time.perf_counter()
            findings = check.run(load(path), ctx)
            seconds = time.perf_counter() - started
            fails = [f for f in findings if f.severity is Severity.FAIL]
            stats = exploration_stats.get(check.name, {})
            runs = stats.get("schedules", "?")
            if variant == "bug":
                kind = fails[0].kind.value if fails else "NOT FOUND"
                row.append(f"{runs!s:>9} {seconds:6.3f}  {kind:22}")
            else:
                verdict = "" if not fails else f" FAIL {fails[0].kind.value}"
                exhausted = "  dfs done" if stats.get("dfs_exhausted") else ""
                row.append(f"{runs!s:>11} {seconds:6.3f}{exhausted}{verdict}")
        print(" ".join(row), flush=True)


if __name__ == "__main__":
    mine = (
        "race",
        "cta",
        "deadlock",
        "condvar",
        "async",
        "held",
    )  # the scheduler area's corpus classes
    main(
        sys.argv[1:]
        or sorted(
            p.name
            for p in CORPUS.iterdir()
            if (p / "spec.py").exists() and p.name.split("_", 1)[0] in mine
        )
    )
