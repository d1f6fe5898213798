"""Print what the instrumentation costs a program outside the controlled scheduler (passthrough).

    uv run python benchmarks/instrument_overhead.py [--in-sandbox]

Per operation, plain vs instrumented: an uncontended Lock acquire+release, the same on 4
threads, an RLock, ``time.sleep(0)`` and a Queue put+get. ``--in-sandbox`` measures the
instrumented side inside the grader's sandbox (``learn run``'s path), where a grading runs.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluator import realtime

_OPS = 20_000


def _locked(lock: object) -> Callable[[int], None]:
    def run(n: int) -> None:
        for _ in range(n):
            with lock:  # type: ignore[attr-defined]
                pass
    return run


def _contended(n: int) -> None:
    lock = threading.Lock()
    threads = [threading.Thread(target=_locked(lock), args=(n // 4,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _sleeps(n: int) -> None:
    for _ in range(n // 10):
        time.sleep(0)


def _queue(n: int) -> None:
    q: queue.Queue[int] = queue.Queue()
    for i in range(n):
        q.put(i)
        q.get()


def measure() -> dict[str, float]:
    """Microseconds per operation of each case, with whatever ``threading``/``time``/``queue`` are now."""
    cases: dict[str, tuple[Callable[[int], None], int]] = {
        "Lock acquire+release": (lambda n: _locked(threading.Lock())(n), _OPS),
        "Lock, 4 threads": (_contended, _OPS),
        "RLock acquire+release": (lambda n: _locked(threading.RLock())(n), _OPS),
        "time.sleep(0)": (_sleeps, _OPS // 10),
        "Queue put+get": (_queue, _OPS // 4),
    }
    figures = {}
    for name, (run, n) in cases.items():
        best = float("inf")
        for _ in range(3):
            began = realtime.perf_counter()
            run(n)
            best = min(best, (realtime.perf_counter() - began) / n * 1e6)
        figures[name] = best
    return figures


def _in_sandbox() -> dict[str, float]:
    from evaluator.grade import run_program

    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "overhead.py"
        program.write_text(
            "import json\nfrom benchmarks.instrument_overhead import measure\n\n"
            "def main():\n    print(json.dumps(measure()))\n", encoding="utf-8")
        result = run_program(program, deadline_s=60)
    import json

    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-sandbox", action="store_true", help="measure the instrumented side in the sandbox")
    args = parser.parse_args(argv)
    plain = measure()
    if args.in_sandbox:
        instrumented = _in_sandbox()
    else:
        from evaluator.instrument import install, uninstall

        install()
        try:
            instrumented = measure()
        finally:
            uninstall()
    print(f"{'operation':24} {'plain µs':>9} {'instrumented µs':>16} {'extra µs':>9}")
    for name, base in plain.items():
        print(f"{name:24} {base:9.2f} {instrumented[name]:16.2f} {instrumented[name] - base:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
