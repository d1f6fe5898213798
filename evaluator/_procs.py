"""Process facts read from ``/proc`` (Linux): who runs, under which uid, whose child."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

__all__ = [
    "ProcInfo",
    "children_of",
    "descendants_of",
    "kill_uid",
    "processes",
    "tasks_of_uid",
    "uids_in_use",
]


@dataclass(frozen=True)
class ProcInfo:
    """One process as ``/proc`` shows it."""

    pid: int
    ppid: int
    state: str
    """``R``, ``S``, ``Z`` (zombie: exited, not yet reaped)..."""
    uid: int
    threads: int
    cmdline: str


def _read(pid: str) -> ProcInfo | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
        with open(f"/proc/{pid}/status", "rb") as handle:
            status = handle.read().decode("ascii", "replace")
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    uid = threads = 0
    for line in status.splitlines():
        if line.startswith("Uid:"):
            uid = int(line.split()[1])
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    return ProcInfo(int(pid), int(fields[1]), fields[0].decode(), uid, threads, cmdline)


def processes() -> list[ProcInfo]:
    """Every process currently visible."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _read(entry)
            if info is not None:
                found.append(info)
    return found


def children_of(pid: int) -> list[ProcInfo]:
    """Direct children of ``pid`` (fast path: the kernel's per-thread ``children`` lists)."""
    try:
        pids: set[str] = set()
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                pids.update(handle.read().split())
    except OSError:
        return [p for p in processes() if p.ppid == pid]
    return [info for info in map(_read, sorted(pids)) if info is not None]


def descendants_of(pid: int) -> list[ProcInfo]:
    """Every descendant of ``pid`` (children, their children...)."""
    table = processes()
    found: list[ProcInfo] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for proc in table:
            if proc.ppid == parent and proc not in found:
                found.append(proc)
                frontier.append(proc.pid)
    return found


def uids_in_use() -> set[int]:
    return {p.uid for p in processes()}


def tasks_of_uid(uid: int) -> int:
    """Threads (the unit RLIMIT_NPROC counts) of every process of ``uid``."""
    return sum(p.threads for p in processes() if p.uid == uid)


def kill_uid(uid: int | None, limit_s: float = 1.0) -> int:
    """SIGKILL every process running as ``uid`` (a sandbox-only uid) until none is left.

    Returns how many were found. Does nothing for ``None`` (the child was not dropped).
    """
    if uid is None or uid == 0:
        return 0
    seen: set[int] = set()
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        alive = [p for p in processes() if p.uid == uid and p.state != "Z"]
        if not alive:
            break
        for proc in alive:
            seen.add(proc.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        time.sleep(0.01)
    return len(seen)
