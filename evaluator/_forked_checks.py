"""Run the exploring checks of a grading side by side, each in a forked copy of the child.

A ScheduleCheck or AsyncCheck explores its own schedules from its own seed (derived from the
grading's seed and the check's name) and never hangs (step limits, virtual time): the checks do
not depend on each other, so on a machine with several cores they can run at the same time.
Each one runs in a fresh ``fork()`` of the sandboxed child taken right after the learner's
program was imported — the same starting state whatever the number of cores and whichever
check ran before — and sends its findings back as JSON (the form the grade leaves the sandbox
in anyway). The verdict therefore does not depend on how many checks ran at once.

Only used when no other thread runs in the child but the grader's stack-dump thread, parked in
a ``read()`` (forking a process with other threads copies locks in whatever state those threads
left them), and ``os.fork`` exists. A worker that dies
without an answer (the learner's code called ``os._exit``, a crash in C) leaves its check to
the caller, which runs it in the child as before.
"""

from __future__ import annotations

import gc
import json
import os
import select
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from evaluator.findings import Finding

__all__ = ["CheckRun", "can_fork", "run_forked", "worker_count"]


@dataclass(frozen=True)
class CheckRun:
    """What one check produced: its findings, internal errors, and its measurements."""

    findings: tuple[Finding, ...]
    internal: tuple[str, ...]
    seconds: float
    schedules: int
    exhaustive: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "internal": list(self.internal),
            "seconds": self.seconds,
            "schedules": self.schedules,
            "exhaustive": self.exhaustive,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> CheckRun:
        return cls(
            findings=tuple(Finding.from_json(f) for f in raw["findings"]),
            internal=tuple(str(line) for line in raw["internal"]),
            seconds=float(raw["seconds"]),
            schedules=int(raw["schedules"]),
            exhaustive=bool(raw["exhaustive"]),
        )


def can_fork(quiet_threads: frozenset[str] = frozenset()) -> bool:
    """Forking is safe here: ``os.fork`` exists and no other Python thread is alive, except the
    ``quiet_threads`` (the grader's own, parked in a system call without holding a lock)."""
    me = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not me and t.name not in quiet_threads]
    return hasattr(os, "fork") and not others


def worker_count() -> int:
    """How many checks run at once: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_forked(jobs: Mapping[int, Callable[[], CheckRun]], workers: int) -> dict[int, CheckRun]:
    """Run each job in its own forked worker, at most ``workers`` at a time.

    Returns the answer of every job whose worker answered; a job missing from the result is
    the caller's to run.
    """
    pending = sorted(jobs)
    running: dict[int, tuple[int, int, bytearray]] = {}  # read fd -> (job, pid, bytes so far)
    answers: dict[int, CheckRun] = {}
    gc.freeze()  # the copies' collector leaves the parent's objects alone: fewer copied pages
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                started = _start(job, jobs[job])
                if started is None:
                    continue
                fd, pid = started
                running[fd] = (job, pid, bytearray())
            ready, _, _ = select.select(list(running), [], [])
            for fd in ready:
                job, pid, data = running[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    data += chunk
                    continue
                os.close(fd)
                del running[fd]
                os.waitpid(pid, 0)
                answer = _decode(data)
                if answer is not None:
                    answers[job] = answer
    finally:
        gc.unfreeze()
        for fd, (_, pid, _) in running.items():  # only after an exception here: do not leak
            os.close(fd)
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
    return answers


def _start(job: int, run: Callable[[], CheckRun]) -> tuple[int, int] | None:
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()  # buffered output would otherwise be written by the parent and the copy
    sys.stderr.flush()
    try:
        with warnings.catch_warnings():  # 3.12+ warns of any other thread: ours are quiet
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # out of processes: the caller runs the check itself
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:
        os.close(read_fd)
        _serve(run, write_fd)
    os.close(write_fd)
    return read_fd, pid


def _serve(run: Callable[[], CheckRun], fd: int) -> None:
    """In the worker: run the check, write its answer, exit without running anyone's clean-up."""
    me = os.getpid()
    status = 0
    try:
        answer = run()
        if os.getpid() != me:  # the learner's code forked and this is its copy
            os._exit(0)
        payload = json.dumps(answer.to_json()).encode("utf-8")
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        status = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _decode(data: bytearray) -> CheckRun | None:
    if not data:
        return None
    try:
        return CheckRun.from_json(json.loads(data))
    except (ValueError, KeyError, TypeError):
        return None
