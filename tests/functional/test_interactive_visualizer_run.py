"""A real child process streams events; the trace file is valid trace-event JSON; hangs are killed."""

from __future__ import annotations

import json
from pathlib import Path

from evaluator.events import EventKind
from interactive.visualizer.runner import Target, run_to_completion
from interactive.visualizer.trace import validate_trace, write_trace

# Emits through the shared event log directly, so the test does not depend on which
# primitives the grader's instrumentation patches.
PROGRAM = """
import threading
from evaluator.events import EventKind, emit

def worker(i, start):
    me = threading.current_thread()
    emit(EventKind.THREAD_START, me.name, me.ident)
    start.wait()
    for n in range(3):
        emit(EventKind.LOCK_WAIT, me.name, me.ident, obj="ledger")
        emit(EventKind.LOCK_ACQUIRE, me.name, me.ident, obj="ledger")
        emit(EventKind.QUEUE_PUT, me.name, me.ident, obj="jobs", value=n + 1)
        emit(EventKind.LOCK_RELEASE, me.name, me.ident, obj="ledger")
    emit(EventKind.THREAD_END, me.name, me.ident)

start = threading.Event()
threads = [threading.Thread(target=worker, args=(i, start), name=f"teller-{i}") for i in range(3)]
for t in threads:
    t.start()
start.set()
for t in threads:
    t.join()
"""


def test_child_streams_events_and_the_trace_opens_in_perfetto(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    run = run_to_completion(Target("script", str(program)), seed=1, deadline_s=60)
    assert run.returncode == 0, run.errors()
    snapshot = run.snapshot()
    mine = {a.name for a in snapshot.actors if a.name.startswith("teller-")}
    assert mine == {"teller-0", "teller-1", "teller-2"}
    ledger = next(lock for lock in snapshot.locks if lock.name == "ledger")
    assert ledger.acquisitions >= 9

    path = tmp_path / "trace.json"
    written = write_trace(run.recorded(), path)
    trace = json.loads(path.read_text(encoding="utf-8"))
    events = trace["traceEvents"]
    assert written == len(events) and isinstance(events, list)
    assert validate_trace(trace) == []
    threads = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"teller-0", "teller-1", "teller-2", "lock ledger"} <= threads
    holds = [
        e
        for e in events
        if e["ph"] == "X" and e["cat"] == "lock-hold" and e["args"]["lock"] == "ledger"
    ]
    assert len(holds) >= 9


def test_a_crashing_program_reports_its_error(tmp_path: Path) -> None:
    program = tmp_path / "crash.py"
    program.write_text("raise RuntimeError('boom in the learner code')\n", encoding="utf-8")
    run = run_to_completion(Target("script", str(program)), deadline_s=60)
    assert run.returncode == 1
    assert "boom in the learner code" in run.errors()
    assert any("crash: RuntimeError" in f for f in run.snapshot().findings)


def test_a_hung_program_is_killed_at_the_deadline(tmp_path: Path) -> None:
    program = tmp_path / "hang.py"
    program.write_text(
        "import threading\nlock = threading.Lock()\nlock.acquire()\nlock.acquire()\n",
        encoding="utf-8",
    )
    run = run_to_completion(Target("script", str(program)), deadline_s=1.0)
    assert run.killed and run.returncode is not None and run.returncode != 0


ASYNC_PROGRAM = """
import asyncio, time
import multiprocessing as mp

async def worker(name, lock, queue):
    async with lock:
        await asyncio.sleep(0.05)
    await queue.put(name)

async def main():
    lock, queue = asyncio.Lock(), asyncio.Queue()
    tasks = [asyncio.create_task(worker(f"w{n}", lock, queue), name=f"fetch-{n}") for n in range(3)]
    await asyncio.gather(*tasks)
    time.sleep(0.3)  # synchronous code blocks the loop

def square(n):
    return n * n

if __name__ == "__main__":
    asyncio.run(main())
    process = mp.get_context("fork").Process(target=square, args=(3,), name="cruncher")
    process.start()
    process.join()
"""


def test_asyncio_tasks_lock_waits_a_blocked_loop_and_worker_processes_are_drawn(
    tmp_path: Path,
) -> None:
    program = tmp_path / "program.py"
    program.write_text(ASYNC_PROGRAM, encoding="utf-8")
    run = run_to_completion(Target("script", str(program)), seed=1, deadline_s=60)
    assert run.returncode == 0, run.errors()
    snapshot = run.snapshot()
    names = {a.name for a in snapshot.actors}
    assert {"fetch-0", "fetch-1", "fetch-2"} <= names
    assert any(name.startswith("process cruncher (pid ") for name in names)
    lock = next(lock for lock in snapshot.locks if lock.name.startswith("Lock program.py:"))
    assert lock.acquisitions == 3 and lock.wait_ns > 0
    queue = next(q for q in snapshot.queues if q.name.startswith("Queue program.py:"))
    assert queue.peak == 3
    assert any("event loop blocked" in finding for finding in snapshot.findings)
    kinds = {e.kind for e in run.recorded() if e.actor == "fetch-0"}
    assert {
        EventKind.TASK_START,
        EventKind.LOCK_ACQUIRE,
        EventKind.SLEEP_START,
        EventKind.TASK_END,
    } <= kinds


def test_a_lesson_runs_to_its_end_in_the_visualizer_sandbox() -> None:
    """Found under tmux: every lesson crashed at its "try next" step in the visualizer (the lesson
    looked for the learner's workspace, and the sandbox has no home directory)."""
    run = run_to_completion(Target("example", "1"), seed=1, deadline_s=60)
    assert run.returncode == 0, run.errors()
    assert not any(f.startswith("crash") for f in run.snapshot().findings)
