"""LeakCheck: threads, asyncio tasks, child processes and fds left behind by a scenario.

A baseline is taken before the scenario; afterwards, anything new that is still alive after
the grace period is a leak. Evidence names each leftover with where it came from (for an
fd, tracemalloc's record of where its file/socket object was created; for a thread, where
it was started or what it runs) and, for a thread, where it is stuck now.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evaluator import _procs, realtime
from evaluator.events import EventKind, event_log
from evaluator.findings import Finding, FindingKind, Severity
from evaluator.stacks import DUMP_THREAD, frame_list

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, LeakCheck

__all__ = ["Baseline", "run_leak_check", "take_baseline"]

_POLL_S = 0.01
"""How often leftovers are counted again during the grace period."""


@dataclass(frozen=True)
class Baseline:
    """What existed before the scenario."""

    threads: frozenset[int]
    tasks: frozenset[int]
    processes: frozenset[int]
    fds: frozenset[int]


def _threads() -> dict[int, threading.Thread]:
    return {
        t.ident: t for t in threading.enumerate() if t.ident is not None and t.name != DUMP_THREAD
    }


def _pending_tasks() -> dict[int, Any]:
    import asyncio

    return {
        id(obj): obj for obj in gc.get_objects() if isinstance(obj, asyncio.Task) and not obj.done()
    }


def _child_processes() -> dict[int, _procs.ProcInfo]:
    return {p.pid: p for p in _procs.children_of(os.getpid()) if p.state != "Z"}


def _fds() -> dict[int, str]:
    found = {}
    for entry in os.listdir("/proc/self/fd"):
        try:
            found[int(entry)] = os.readlink(f"/proc/self/fd/{entry}")
        except OSError:
            continue
    return found


def take_baseline() -> Baseline:
    return Baseline(
        frozenset(_threads()),
        frozenset(_pending_tasks()),
        frozenset(_child_processes()),
        frozenset(_fds()),
    )


def _leftovers(base: Baseline, kinds: tuple[str, ...]) -> dict[str, dict[int, Any]]:
    now: dict[str, dict[int, Any]] = {}
    if "threads" in kinds:
        now["threads"] = {k: v for k, v in _threads().items() if k not in base.threads}
    if "tasks" in kinds:
        now["tasks"] = {k: v for k, v in _pending_tasks().items() if k not in base.tasks}
    if "processes" in kinds:
        now["processes"] = {k: v for k, v in _child_processes().items() if k not in base.processes}
    if "fds" in kinds:
        now["fds"] = {k: v for k, v in _fds().items() if k not in base.fds}
    return {kind: items for kind, items in now.items() if items}


def _site(obj: object, program: Path) -> str | None:
    """``program.py:LINE`` where ``obj`` was allocated, when tracemalloc saw it."""
    traceback = tracemalloc.get_object_traceback(obj)
    if traceback is None:
        return None
    for frame in reversed(list(traceback)):  # innermost last after reversing "most recent first"
        if Path(frame.filename).name == program.name:
            return f"{program.name}:{frame.lineno}"
    return None


def _owners_of_fds(fds: set[int]) -> dict[int, object]:
    """The file or socket objects still wrapping these fds (one pass over the heap)."""
    import io
    import socket

    kinds = (
        io.FileIO,
        io.BufferedReader,
        io.BufferedWriter,
        io.BufferedRandom,
        io.TextIOWrapper,
        socket.socket,
    )
    owners: dict[int, object] = {}
    for obj in gc.get_objects():
        if type(obj) in kinds or isinstance(obj, socket.socket):
            try:
                fd = obj.fileno()
            except (OSError, ValueError):
                continue
            if fd in fds and fd not in owners:
                owners[fd] = obj
    return owners


def _thread_origin(thread: threading.Thread) -> str | None:
    """Where the thread was started (instrumentation events) or what it runs (its target)."""
    for event in event_log.snapshot():
        if (
            event.kind is EventKind.THREAD_START
            and event.actor_id == thread.ident
            and event.location
        ):
            return f"started at {event.location}"
    target: Any = getattr(thread, "_target", None) or getattr(thread, "function", None)
    code = getattr(target, "__code__", None)
    if code is None:
        return None
    return f"runs {getattr(target, '__qualname__', '?')}() from {Path(code.co_filename).name}:{code.co_firstlineno}"


def _thread_evidence(thread: threading.Thread, program: Path) -> tuple[list[str], str | None]:
    frames = frame_list(sys._current_frames().get(thread.ident or -1))
    mine = [f for f in frames if Path(f["file"]).name == program.name]
    where = f"{program.name}:{mine[-1]['line']}" if mine else None
    origin = _thread_origin(thread)
    if where is None and origin and f" {program.name}:" in origin:
        where = origin.rsplit(" ", 1)[-1]
    lines = [
        f"thread {thread.name!r} (daemon={thread.daemon}) is still running"
        + (f", {origin}" if origin else "")
    ]
    for frame in mine or frames[-1:]:
        lines.append(
            f"    {Path(frame['file']).name}:{frame['line']} in {frame['func']}: {frame['code']}"
        )
    return lines, where


def _findings(leaks: dict[str, dict[int, Any]], check: LeakCheck, program: Path) -> list[Finding]:
    findings = []
    for kind, items in leaks.items():
        evidence: list[str] = []
        location = None
        if kind == "threads":
            for thread in items.values():
                lines, where = _thread_evidence(thread, program)
                evidence += lines
                location = location or where
            finding_kind, what = FindingKind.THREAD_LEAK, "thread"
        elif kind == "tasks":
            for task in items.values():
                stack = [f for frame in task.get_stack(limit=5) for f in frame_list(frame, limit=1)]
                where = next(
                    (
                        f"{program.name}:{f['line']}"
                        for f in reversed(stack)
                        if Path(f["file"]).name == program.name
                    ),
                    None,
                )
                evidence.append(
                    f"task {task.get_name()!r} ({task.get_coro().__qualname__}) is still pending"
                    + (f" at {where}" if where else "")
                )
                location = location or where
            finding_kind, what = FindingKind.TASK_LEAK, "asyncio task"
        elif kind == "processes":
            for proc in items.values():
                evidence.append(f"child process {proc.pid} is still running: {proc.cmdline[:100]}")
            finding_kind, what = FindingKind.PROCESS_LEAK, "child process"
        else:
            owners = _owners_of_fds(set(items))
            for fd, target in items.items():
                owner = owners.get(fd)
                site = _site(owner, program) if owner is not None else None
                name = str(getattr(owner, "name", ""))
                named = (
                    f" {name}" if name and not target.startswith(name) else ""
                )  # a file's name is its target
                described = f" ({type(owner).__name__}{named})" if owner is not None else ""
                evidence.append(
                    f"fd {fd} -> {target}{described} is still open"
                    + (f", opened at {site}" if site else "")
                )
                location = location or site
            finding_kind, what = FindingKind.FD_LEAK, "file descriptor"
        count = len(items)
        findings.append(
            Finding(
                kind=finding_kind,
                severity=Severity.FAIL,
                title=f"{count} {what}{'s' if count > 1 else ''} still alive after the scenario ended",
                evidence=tuple(evidence),
                hint=check.hint,
                location=location,
                check=check.name,
            )
        )
    return findings


def run_leak_check(check: LeakCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """Run ``check.scenario(program)`` and report what it left behind (after the grace period)."""
    gc.collect()
    base = take_baseline()
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start(25)
    try:
        check.scenario(program)
        deadline = realtime.monotonic() + check.grace_seconds
        while True:
            gc.collect()
            leaks = _leftovers(base, check.kinds)
            if not leaks or realtime.monotonic() >= deadline:
                break
            realtime.sleep(_POLL_S)
        return _findings(leaks, check, ctx.program_path)
    finally:
        if not tracing:
            tracemalloc.stop()
