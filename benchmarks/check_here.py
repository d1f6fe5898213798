"""Grade one file in this process (no sandbox), check by check, with timings: a grader-debugging aid.

uv run python benchmarks/check_here.py N PATH [--seed S] [--only CHECK-NAME-PART]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("number", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    from evaluator import instrument

    instrument.install()
    from challenges import get_challenge
    from evaluator.loader import load_program
    from evaluator.spec import CheckContext

    challenge = get_challenge(args.number)
    program = args.path.resolve()
    ctx = CheckContext(
        seed=args.seed,
        program_path=program,
        challenge_dir=challenge.directory,
        solutions_dir=challenge.solutions_dir,
    )
    module = load_program(program, name=program.stem)
    for check in challenge.spec.checks:
        if args.only and args.only not in check.name:
            continue
        began = time.perf_counter()
        findings = check.run(module, ctx)
        print(f"--- {check.name}: {time.perf_counter() - began:.2f}s {ctx.measurements}")
        for f in findings:
            print(f"  {f.severity.value} {f.kind.value}: {f.title}")
            for line in f.evidence[:14]:
                print(f"      {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
