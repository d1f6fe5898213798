"""A `learn` process that records checks, for the concurrency and crash tests.

Usage: python tracker_writer.py WORKER COUNT [--hang-inside-write]

Prints "ready" and waits for a line on stdin (so every writer starts at once), then records
COUNT attempts, printing "recorded I" after each committed one. With --hang-inside-write it
stops inside the write transaction of its last attempt (after the insert, before the commit),
prints "inside" and waits forever, so a test can SIGKILL it mid-write.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import tracker
from tracker import _store


def hang_after_insert() -> None:
    original = _store.insert_event

    def insert_then_hang(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)  # type: ignore[arg-type]
        print("inside", flush=True)
        sys.stdin.readline()
        sys.stdin.readline()  # never answered: the test kills us here

    _store.insert_event = insert_then_hang


def main() -> None:
    worker, count = int(sys.argv[1]), int(sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        if "--hang-inside-write" in sys.argv and i == count - 1:
            hang_after_insert()
        tracker.record_attempt(
            challenge=1 + i % 16,
            passed=i % 3 == 0,
            finding_kinds=[] if i % 3 == 0 else ["race"],
            findings_summary=f"worker {worker} attempt {i}",
            seconds=0.5,
            code_hash=f"w{worker}-{i}",
            seed=worker * 1000 + i,
            performance_ratio=0.9 if i % 5 == 0 else None,
            difficulty=1 + i % 5,
            bug_class="race",
        )
        print(f"recorded {i}", flush=True)


if __name__ == "__main__":
    main()
