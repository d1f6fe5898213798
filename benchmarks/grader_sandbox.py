"""Figures for the grader's shell: grading time of a small correct program, hostile verdicts.

Run: ``uv run python -m benchmarks.grader_sandbox``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from evaluator import grade

_SPEC = """
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, LeakCheck, PropertyCheck, expect


def check(mod, ctx):
    expect(mod.total([1, 2, 3]) == 6, "wrong total")


def scenario(mod):
    mod.main()


SPEC = ChallengeSpec(
    number=0, slug="bench", title="bench", summary="bench", concepts=(), difficulty=1,
    intended=FindingKind.CRASH,
    checks=(PropertyCheck("total", check), LeakCheck("runs and cleans up", scenario)), hints=(),
)
"""

_CORRECT = """
import threading
from concurrent.futures import ThreadPoolExecutor


def total(numbers):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(lambda n: n, numbers))


def main():
    worker = threading.Thread(target=total, args=([1, 2],))
    worker.start()
    worker.join()
"""

_HOSTILE = {
    "sleeps forever": "import time\ndef total(n):\n    return 6\ndef main():\n    time.sleep(10**6)\n",
    "fork bomb": "import os\ndef total(n):\n    return 6\ndef main():\n    while True:\n        os.fork()\n",
    "huge allocation": "def total(n):\n    return 6\ndef main():\n    bytearray(64 * 1024**3)\n",
    "segfault": "import ctypes\ndef total(n):\n    return 6\ndef main():\n    ctypes.string_at(0)\n",
    "os._exit": "import os\ndef total(n):\n    os._exit(3)\ndef main():\n    pass\n",
}


def main(runs: int = 10, deadline_s: float = 2.0) -> None:
    with tempfile.TemporaryDirectory() as raw:
        folder = Path(raw)
        spec = folder / "spec.py"
        spec.write_text(_SPEC, encoding="utf-8")
        program = folder / "program.py"
        program.write_text(_CORRECT, encoding="utf-8")
        times = []
        for seed in range(runs):
            began = time.perf_counter()
            result = grade(program, spec_ref=f"{spec}:SPEC", seed=seed)
            times.append(time.perf_counter() - began)
            assert result.passed, result
        print(
            f"correct small program: median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {runs} gradings"
        )
        print(f"hostile programs (deadline {deadline_s:g} s):")
        for name, source in _HOSTILE.items():
            program.write_text(source, encoding="utf-8")
            began = time.perf_counter()
            result = grade(program, spec_ref=f"{spec}:SPEC", seed=1, deadline_s=deadline_s)
            elapsed = time.perf_counter() - began
            finding = result.failures[0] if result.failures else None
            verdict = f"{finding.kind.value}: {finding.title}" if finding else "PASS (!)"
            print(f"  {name:16s} {elapsed:5.2f} s  {verdict}")


if __name__ == "__main__":
    main()
