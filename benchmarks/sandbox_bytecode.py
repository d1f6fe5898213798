"""The sandboxed child with and without the grader's bytecode cache (evaluator._bytecode).

    uv run python -m benchmarks.sandbox_bytecode [--runs 5] [--challenge 1] [--file PATH]

Prints, for the uncached case (every ``.pyc`` of the grader removed, ``LEARN_SANDBOX_BYTECODE=0``:
the child compiles the grader from source, as before the cache) and the cached one:

* **child start-up** — wall seconds of one sandboxed run of a child that imports what a
  grading imports (harness, instrumentation, spec, checks, scheduler, detectors, the
  challenge's spec) and exits, timed by the parent, and the child's own import seconds;
* **learn check end to end** — wall seconds of ``learn check N --file <solution>`` in a new
  process, each with a fresh ``LEARN_HOME``; median of ``--runs``;
* the cost of the cache itself: compiling it from nothing, and verifying it when fresh.

The two states alternate run by run, so a change of machine load hits both alike.

Prints figures; asserts nothing. It rewrites the worktree's grader ``__pycache__`` folders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluator import _bytecode  # noqa: E402
from evaluator.sandbox import REPO_ROOT, run_sandboxed  # noqa: E402

_PROBE = """
import json, os, sys, time
from importlib import _bootstrap_external as external
compiled = []
_to_code = external.SourceLoader.source_to_code
def source_to_code(self, data, path, *, _optimize=-1):
    compiled.append(str(path))
    return _to_code(self, data, path, _optimize=_optimize)
external.SourceLoader.source_to_code = source_to_code  # called only when no usable .pyc exists
began = time.perf_counter()
import evaluator.harness, evaluator.instrument, evaluator.spec, evaluator.checks
import evaluator.scheduler, evaluator.detectors, evaluator.static_hints, evaluator.locate
import importlib
request = json.load(open(sys.argv[1]))
importlib.import_module(request["spec_module"])
seconds = time.perf_counter() - began
os.write(request["result_fd"], json.dumps({"import_s": seconds, "compiled": compiled}).encode())
"""


def child_startup(probe: Path, spec_module: str, seed: int) -> tuple[float, float, int]:
    """(parent wall seconds, child import seconds, files it compiled from source) of one start-up."""
    began = time.perf_counter()
    outcome = run_sandboxed(
        "startup_probe",
        {"spec_module": spec_module},
        files={"startup_probe.py": probe},
        deadline_s=20.0,
        seed=seed,
    )
    wall = time.perf_counter() - began
    if not outcome.result:
        raise RuntimeError(f"start-up probe failed: {outcome.stderr[-2000:]}")
    return wall, float(outcome.result["import_s"]), len(outcome.result["compiled"])


def learn_check(challenge: int, program: Path, cached: bool) -> float:
    """Wall seconds of ``learn check N --file program`` in a new process with a fresh LEARN_HOME."""
    env = dict(os.environ, **{_bytecode.OPT_OUT: "1" if cached else "0"})
    with tempfile.TemporaryDirectory(prefix="learn-home-") as home:
        env["LEARN_HOME"] = home
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "check", str(challenge), "--file", str(program)],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(
            f"learn check failed ({done.returncode}): {done.stdout[-800:]}{done.stderr[-800:]}"
        )
    return seconds


def _prepare(cached: bool) -> None:
    """The uncached state (no grader .pyc, cache off) or the cached one (compiled, cache on)."""
    os.environ[_bytecode.OPT_OUT] = "1" if cached else "0"
    if cached:
        _bytecode.ensure(REPO_ROOT)
    else:
        _bytecode.clear(REPO_ROOT)


def _fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--challenge", type=int, default=1)
    parser.add_argument(
        "--file", type=Path, default=ROOT / "solutions" / "challenge01_deadlock" / "global_order.py"
    )
    args = parser.parse_args(argv)
    from challenges import get_challenge

    spec_module = f"challenges.{get_challenge(args.challenge).name}.spec"
    _bytecode.clear(REPO_ROOT)
    began = time.perf_counter()
    written = _bytecode.ensure(REPO_ROOT)
    compile_s = time.perf_counter() - began
    _bytecode._verified.clear()
    began = time.perf_counter()
    _bytecode.ensure(REPO_ROOT)
    print(
        f"cache: {written} files compiled from nothing in {compile_s:.3f} s (first run only); "
        f"verifying it fresh in a new process {time.perf_counter() - began:.3f} s"
    )
    labels = {False: "no bytecode cache (before)", True: "bytecode cache (after)"}
    figures: dict[bool, dict[str, list[float]]] = {
        c: {"walls": [], "imports": [], "compiled": [], "checks": []} for c in labels
    }
    with tempfile.TemporaryDirectory() as raw:
        probe = Path(raw) / "startup_probe.py"
        probe.write_text(_PROBE, encoding="utf-8")
        for run in range(args.runs):  # alternate the two states: load drift hits both alike
            for cached in (False, True):
                _prepare(cached)
                wall, imports, compiled = child_startup(probe, spec_module, run)
                figures[cached]["walls"].append(wall)
                figures[cached]["imports"].append(imports)
                figures[cached]["compiled"].append(compiled)
                _prepare(cached)
                figures[cached]["checks"].append(learn_check(args.challenge, args.file, cached))
    os.environ.pop(_bytecode.OPT_OUT, None)
    _bytecode.ensure(REPO_ROOT)
    for cached, label in labels.items():
        row = figures[cached]
        print(f"{label}:")
        print(f"  child start-up, sandboxed round trip: {_fmt(row['walls'])}")
        print(
            f"  child start-up, imports inside it:    {_fmt(row['imports'])}; "
            f"grader files compiled from source: {statistics.median(row['compiled']):.0f}"
        )
        print(
            f"  learn check {args.challenge} --file {args.file.name} end to end (fresh LEARN_HOME): {_fmt(row['checks'])}"
        )
    for key, what in (
        ("walls", "child start-up"),
        ("imports", "child imports"),
        ("checks", "learn check"),
    ):
        before, after = (
            statistics.median(figures[False][key]),
            statistics.median(figures[True][key]),
        )
        print(
            f"{what}: {before - after:+.3f} s (median before - median after), before/after {before / after:.2f}x"
        )


if __name__ == "__main__":
    main()
