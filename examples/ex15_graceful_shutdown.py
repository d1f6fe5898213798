"""# Graceful shutdown: stop accepting, drain with a deadline, exit clean

Your process will be stopped — a deploy, a scale-down, Ctrl-C. Kubernetes, systemd and
Docker send **SIGTERM**, wait a grace period (30 s by default in Kubernetes), then SIGKILL.
What happens to the requests in flight at that moment is your choice:

1. **Catch the signal** with a handler that only *records* it (sets an event). Signal handlers
   run between two bytecodes of the main thread — possibly while it holds a lock — so they
   must not print, log, take locks or do the shutdown themselves.
2. **Stop accepting** new work: close the listener, stop consuming from the broker, fail the
   readiness check, answer `503 + Retry-After` to whatever still arrives.
3. **Drain**: let in-flight work finish, but only until a **deadline** shorter than the grace
   period. Work that cannot finish is *cancelled* cooperatively (threads check a flag; asyncio
   tasks get `CancelledError`) so it can roll back, release its lease or be redelivered.
4. **Release resources** — join threads, close pools and files — and **restore the previous
   signal handlers**, then exit with status 0.

The lesson does this for real: it installs handlers for SIGINT and SIGTERM, starts work, then
sends the signal to itself from the main thread with `signal.raise_signal` (an orchestrator
does `os.kill(pid, signal.SIGTERM)`) while jobs are in flight. Watch the order of
events: the signal, the rejections, each job that finishes during the drain, the one job that
outlives the deadline and is cancelled, and the handlers put back.

**threads**: `signal.signal(sig, handler)` — only the main thread can install handlers and
Python runs them in the main thread. Workers see a `threading.Event`.

**asyncio**: `loop.add_signal_handler(sig, callback)` (Unix event loops only; on Windows use
`signal.signal` and `loop.call_soon_threadsafe`) runs the callback *in the event loop* as a
normal callback, so it may touch loop objects safely (`event.set()`); `asyncio.wait(tasks,
timeout=...)` is the drain, `task.cancel()` the deadline.

## When not to (or: what this does not cover)

- A signal handler cannot help against SIGKILL or a power cut: work that must not be lost
  needs durable queues and idempotent redelivery (lessons 12 and 16), not just a clean exit.
- Don't drain forever: a deadline longer than the orchestrator's grace period ends in SIGKILL
  anyway, mid-write.
- Don't `sys.exit()` inside the handler: it raises `SystemExit` wherever the main thread
  happened to be, and the drain never runs.
"""

from __future__ import annotations

import asyncio
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from rich.console import Console
from rich.table import Table

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Graceful shutdown: signals, stop accepting, drain with a deadline"
CONCEPTS = ("signals", "SIGTERM", "graceful shutdown", "draining", "deadline", "cancellation")
DIFFICULTY = 4
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (3,)
HYPOTHESES = {"threads": ("15.1", "15.2", "15.3"), "asyncio": ("15.1", "15.2", "15.3")}

JOB_SECONDS = (0.06, 0.09, 0.60, 0.05, 0.07, 0.04, 0.05, 0.05)
"""How long each incoming request takes; #3 cannot finish before the drain deadline."""
ARRIVAL_EVERY = 0.02
SIGNAL_AFTER = 6
"""Send the signal after this many requests were accepted."""
DRAIN_DEADLINE = 0.25
WORKERS = 3
HANDLED = (signal.SIGINT, signal.SIGTERM)

Say = Callable[[str], None]


@dataclass
class Outcomes:
    """What became of each request; shared by the workers, guarded by a lock."""

    by_request: dict[int, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, number: int, outcome: str) -> None:
        with self._lock:
            self.by_request[number] = outcome


def _jobs(count: int) -> str:
    return f"{count} job" if count == 1 else f"{count} jobs"


def _narrator(console: Console) -> Say:
    started = time.monotonic()

    def say(text: str) -> None:
        console.print(f"  [dim]t={(time.monotonic() - started) * 1000:6.1f} ms[/]  {text}")

    return say


def _handler_names() -> dict[str, str]:
    def name(handler: object) -> str:
        if isinstance(handler, signal.Handlers):
            return handler.name  # SIG_DFL or SIG_IGN
        return getattr(handler, "__name__", None) or repr(handler)

    return {signal.Signals(sig).name: name(signal.getsignal(sig)) for sig in HANDLED}


# --- threads --------------------------------------------------------------------------------

_STOP = None


def _thread_job(
    number: int, seconds: float, cancel: threading.Event, outcomes: Outcomes, say: Say
) -> None:
    """Work in 10 ms steps, checking the cancel flag between steps (cooperative cancellation)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if cancel.wait(0.01):
            done = (time.monotonic() - started) / seconds
            say(f"[red]job {number} cancelled at {done:.0%}[/]: rolled back, will be redelivered")
            outcomes.set(number, "cancelled at deadline")
            return
    say(f"[green]job {number} finished[/] ({seconds * 1000:.0f} ms)")
    outcomes.set(number, "completed")


def _worker(
    inbox: queue.Queue[tuple[int, float] | None],
    cancel: threading.Event,
    outcomes: Outcomes,
    say: Say,
) -> None:
    while (item := inbox.get()) is not _STOP:
        number, seconds = item
        try:
            if cancel.is_set():
                outcomes.set(number, "not started: returned to the queue")
            else:
                _thread_job(number, seconds, cancel, outcomes, say)
        finally:
            inbox.task_done()
    inbox.task_done()


def _wait_drained(inbox: queue.Queue[tuple[int, float] | None], deadline: float) -> bool:
    """True if every queued and running job finished before ``deadline`` (monotonic).

    ``Queue.join()`` has no timeout, so poll the count of unfinished jobs every 5 ms.
    """
    while time.monotonic() < deadline:
        if inbox.unfinished_tasks == 0:
            return True
        time.sleep(0.005)
    return inbox.unfinished_tasks == 0


def _run_threads(console: Console) -> Outcomes:
    say = _narrator(console)
    outcomes = Outcomes()
    requested: list[str] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        requested.append(signal.Signals(signum).name)  # record only: no I/O, no locks here

    previous = {sig: signal.signal(sig, on_signal) for sig in HANDLED}
    say(f"installed handlers: {_handler_names()}")
    inbox: queue.Queue[tuple[int, float] | None] = queue.Queue()
    cancel = threading.Event()
    workers = [
        threading.Thread(target=_worker, args=(inbox, cancel, outcomes, say), name=f"worker-{i}")
        for i in range(WORKERS)
    ]
    try:
        for worker in workers:
            worker.start()
        for number, seconds in enumerate(JOB_SECONDS):
            if requested:
                say(f"request {number} arrives → [yellow]503 shutting down, Retry-After: 1[/]")
                outcomes.set(number, "rejected (503)")
            else:
                inbox.put((number, seconds))
                say(f"request {number} accepted")
            if number + 1 == SIGNAL_AFTER:
                say(
                    f"[bold]sending SIGTERM to myself[/] with {_jobs(inbox.unfinished_tasks)} queued or running"
                )
                signal.raise_signal(signal.SIGTERM)
                say(f"handler ran: shutdown requested by {requested}; no longer accepting")
            time.sleep(ARRIVAL_EVERY)
        say(
            f"draining: waiting up to {DRAIN_DEADLINE * 1000:.0f} ms for {_jobs(inbox.unfinished_tasks)}"
        )
        if not _wait_drained(inbox, time.monotonic() + DRAIN_DEADLINE):
            say(
                f"[red]deadline reached[/] with {_jobs(inbox.unfinished_tasks)} unfinished: cancelling"
            )
            cancel.set()
    finally:
        for _ in workers:
            inbox.put(_STOP)
        for worker in workers:
            if worker.ident is not None:  # started
                worker.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say(f"workers joined; handlers restored: {_handler_names()}")
    return outcomes


# --- asyncio --------------------------------------------------------------------------------


async def _async_job(number: int, seconds: float, outcomes: Outcomes, say: Say) -> None:
    started = time.monotonic()
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        done = (time.monotonic() - started) / seconds
        say(f"[red]job {number} cancelled at {done:.0%}[/]: rolled back, will be redelivered")
        outcomes.set(number, "cancelled at deadline")
        raise
    say(f"[green]job {number} finished[/] ({seconds * 1000:.0f} ms)")
    outcomes.set(number, "completed")


async def _serve(console: Console) -> Outcomes:
    say = _narrator(console)
    outcomes = Outcomes()
    loop = asyncio.get_running_loop()
    shutdown = asyncio.Event()
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}
    for sig in HANDLED:
        loop.add_signal_handler(sig, shutdown.set)
    say(f"loop.add_signal_handler for {[s.name for s in HANDLED]}")
    in_flight: set[asyncio.Task[None]] = set()
    try:
        for number, seconds in enumerate(JOB_SECONDS):
            if shutdown.is_set():
                say(f"request {number} arrives → [yellow]503 shutting down, Retry-After: 1[/]")
                outcomes.set(number, "rejected (503)")
            else:
                task = asyncio.create_task(
                    _async_job(number, seconds, outcomes, say), name=f"job-{number}"
                )
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                say(f"request {number} accepted")
            if number + 1 == SIGNAL_AFTER:
                say(
                    f"[bold]sending SIGINT to myself[/] (as Ctrl-C would) with {_jobs(len(in_flight))} in flight"
                )
                signal.raise_signal(signal.SIGINT)
                await shutdown.wait()
                say("the loop ran the callback: shutdown requested; no longer accepting")
            await asyncio.sleep(ARRIVAL_EVERY)
        if in_flight:
            say(
                f"draining: waiting up to {DRAIN_DEADLINE * 1000:.0f} ms for {_jobs(len(in_flight))}"
            )
            _, pending = await asyncio.wait(set(in_flight), timeout=DRAIN_DEADLINE)
            if pending:
                say(f"[red]deadline reached[/] with {_jobs(len(pending))} unfinished: cancelling")
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for sig in HANDLED:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous[sig])
    return outcomes


def _run_asyncio(console: Console) -> Outcomes:
    outcomes = asyncio.run(_serve(console))
    console.print(f"  loop closed; handlers restored: {_handler_names()}")
    return outcomes


# --- report ---------------------------------------------------------------------------------


def _report(console: Console, outcomes: Outcomes, elapsed: float) -> None:
    table = Table(title="What became of each request", title_justify="left")
    table.add_column("request", justify="right")
    table.add_column("work", justify="right")
    table.add_column("outcome")
    for number, seconds in enumerate(JOB_SECONDS):
        outcome = outcomes.by_request.get(number, "lost!")
        colour = "green" if outcome == "completed" else "yellow" if "503" in outcome else "red"
        table.add_row(str(number), f"{seconds * 1000:.0f} ms", f"[{colour}]{outcome}[/]")
    console.print(table)
    console.print(f"  Exit after {elapsed * 1000:.0f} ms.")
    lost = [n for n in range(len(JOB_SECONDS)) if n not in outcomes.by_request]
    hypothesis(
        console,
        "15.1",
        "every request has an outcome: completed, rejected or cancelled",
        HELD if not lost else NOT_HERE,
        f"without an outcome: {lost or 'none'}",
    )
    slow = max(range(len(JOB_SECONDS)), key=JOB_SECONDS.__getitem__)
    others = [o for n, o in outcomes.by_request.items() if n != slow and "503" not in o]
    hypothesis(
        console,
        "15.2",
        f"only the job longer than the drain deadline (#{slow}) is cancelled",
        HELD
        if outcomes.by_request.get(slow, "").startswith("cancelled")
        and all(o == "completed" for o in others)
        else NOT_HERE,
        f"#{slow}: {outcomes.by_request.get(slow)}; {others.count('completed')} of {len(others)} other accepted jobs completed",
    )


def _check_main_thread() -> None:
    if threading.current_thread() is not threading.main_thread():
        from usererror import UserError

        raise UserError(
            "lesson 15 installs signal handlers: run it from the main thread (`learn run example 15`)"
        )


def main(variant: str | None = None) -> None:
    """Run the lesson: every variant in turn, or only ``variant``."""
    _check_main_thread()
    console = Console(highlight=False)
    header(console, 15, "graceful shutdown")
    before = _handler_names()
    for name in VARIANTS if variant is None else (variant,):
        console.rule(f"[bold]Graceful shutdown — {name}")
        started = time.monotonic()
        outcomes = _run_threads(console) if name == "threads" else _run_asyncio(console)
        _report(console, outcomes, time.monotonic() - started)
        after = _handler_names()
        hypothesis(
            console,
            "15.3",
            "the signal handlers found at the start are back in place",
            HELD if after == before else NOT_HERE,
            f"now {after}",
        )
        console.print()
    try_next(
        console,
        __file__,
        "in `_thread_job`, stop checking the `cancel` event and run `threads`: the drain now "
        "waits for the 600 ms job (15.2) — past any deadline. Then make `on_signal` call "
        "`say(...)` and think about where the main thread might be when it runs.",
        [(3, "the CI service that hoarded threads: stop, drain and join everything you start")],
    )


if __name__ == "__main__":
    run_as_script(main)
