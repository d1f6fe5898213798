"""Progress tracker figures: `learn progress` wall time with 10,000 recorded attempts
(goal ≤ 300 ms) and attempts recorded per second with 8 concurrent writers.

Run: uv run python benchmarks/progress_bench.py [--attempts 10000] [--writers 8] [--per-writer 50]
Uses a temporary LEARN_HOME (or LEARN_DATABASE_URL if set); prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tracker  # noqa: E402
from tracker import _env, _store  # noqa: E402
from tracker._service import session  # noqa: E402
from tracker.checkpoint import CHECKPOINT_EVERY  # noqa: E402
from tracker.history import Tally  # noqa: E402
from tracker.models import Activity, ActivityKind  # noqa: E402


def fill(profile: str, attempts: int) -> None:
    """Record ``attempts`` checks over ~60 days in one transaction (ledger via the same fold)."""
    start = _env.now() - timedelta(days=60)
    history = Tally()
    event_id = 0
    with session() as db, db.write():
        pid = _store.ensure_profile(db, profile, start)
        for i in range(attempts):
            if i and i % CHECKPOINT_EVERY == 0:  # what record_attempt does along the way
                _store.save_checkpoint(db, pid, history, event_id)
            at = start + timedelta(minutes=8 * i * 60 * 24 * 60 // (attempts * 8) + 1)
            event = Activity(
                ActivityKind.ATTEMPT,
                at,
                at.date(),
                challenge=1 + i % 16,
                passed=i % 4 == 0,
                finding_kinds=() if i % 4 == 0 else ("race",),
                summary=f"attempt {i}",
                seconds=1.5,
                code_hash=f"{i:040x}",
                seed=i,
                difficulty=1 + i % 5,
                bug_class="race",
            )
            event_id = _store.insert_event(db, pid, event, history.apply(event))


class _Waits(Protocol):
    def wait(self) -> object: ...


def time_it(action: object, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - began) * 1000)
    return times


def learn_cli(*args: str) -> None:
    """One `learn ...` as a learner runs it (bytecode caching on, as in a normal install)."""
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )


def learn_progress_cli() -> None:
    learn_cli("progress")


def learn_help_cli() -> None:
    learn_cli("--help")


def writer(worker: int, count: int, barrier: _Waits) -> None:
    barrier.wait()
    for i in range(count):
        tracker.record_attempt(
            challenge=1 + i % 16,
            passed=i % 3 == 0,
            finding_kinds=[],
            findings_summary="",
            seconds=0.5,
            code_hash=f"w{worker}-{i}",
            seed=i,
            performance_ratio=None,
            difficulty=2,
            bug_class="race",
        )


def concurrent_writers(writers: int, per_writer: int) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers + 1)
    procs = [context.Process(target=writer, args=(w, per_writer, barrier)) for w in range(writers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    began = time.perf_counter()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - began
    if any(proc.exitcode for proc in procs):
        raise SystemExit("a writer failed")
    return elapsed, tracker.progress_snapshot().attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ.setdefault("LEARN_HOME", home)
        os.environ["LEARN_PROFILE"] = "bench"
        backend = "PostgreSQL" if _env.database_url() else "SQLite (WAL, synchronous=FULL)"
        print(f"backend: {backend}")

        began = time.perf_counter()
        fill("bench", args.attempts)
        print(f"filled {args.attempts} attempts in {time.perf_counter() - began:.2f} s")
        snap = time_it(tracker.progress_snapshot, 7)
        print(
            f"progress_snapshot() with {args.attempts} attempts (checkpoint + recent events): median {statistics.median(snap):.1f} ms"
        )
        full = time_it(tracker.verify_ledger, 3)
        print(
            f"full replay of {args.attempts} attempts (verify_ledger): median {statistics.median(full):.1f} ms"
        )
        learn_progress_cli()  # warm-up: writes the bytecode cache once
        cli = time_it(learn_progress_cli, 5)
        baseline = time_it(learn_help_cli, 5)
        print(
            f"`learn --help` on the same machine now (interpreter + CLI start-up): "
            f"median {statistics.median(baseline):.0f} ms"
        )
        print(
            f"`learn progress` wall time (process start to exit) with {args.attempts} attempts: "
            f"median {statistics.median(cli):.0f} ms, best {min(cli):.0f} ms (goal ≤ 300 ms)"
        )
        one = time_it(lambda: writer(99, 1, _NoBarrier()), 20)
        print(
            f"record_attempt latency with {args.attempts} attempts of history: "
            f"median {statistics.median(one):.1f} ms"
        )

        os.environ["LEARN_PROFILE"] = "crowd"
        elapsed, stored = concurrent_writers(args.writers, args.per_writer)
        expected = args.writers * args.per_writer
        print(
            f"{args.writers} writers × {args.per_writer} attempts: {expected / elapsed:.0f} attempts/s "
            f"({elapsed:.2f} s); stored {stored}/{expected}, ledger == replay: "
            f"{tracker.verify_ledger()[0] == tracker.verify_ledger()[1]}"
        )


class _NoBarrier:
    def wait(self) -> None:
        return None


if __name__ == "__main__":
    main()
