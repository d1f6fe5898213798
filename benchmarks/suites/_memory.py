"""Resident memory per waiting concurrency unit (asyncio task, anyio task, thread, process).

Each measurement runs in a fresh interpreter (``python -m benchmarks.suites._memory KIND N``)
so no allocator cache or glibc thread-stack cache from an earlier round hides the cost. It
starts ``N`` units that all block on an event, reads the resident set size (RSS) before and
while they wait, and prints the bytes per unit as JSON. Threads also report the address space
they *reserve* (their stacks are mostly virtual: only the pages a thread touches are resident).
Child processes are counted by their proportional set size (PSS), which splits the pages they
share with the parent after ``fork`` fairly instead of counting them once per child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("asyncio", "anyio", "threads", "processes")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _statm() -> tuple[int, int]:
    """(virtual, resident) bytes of this process."""
    size, resident, *_ = Path("/proc/self/statm").read_text().split()
    return int(size) * _PAGE, int(resident) * _PAGE


def _pss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no Pss line for process {pid}")


def _asyncio(n: int) -> dict[str, float]:
    import asyncio

    async def main() -> dict[str, float]:
        release = asyncio.Event()
        _, before = _statm()
        tasks = [asyncio.create_task(release.wait()) for _ in range(n)]
        await asyncio.sleep(0)  # every task runs until it blocks on the event
        _, during = _statm()
        release.set()
        await asyncio.gather(*tasks)
        return {"rss": (during - before) / n}

    return asyncio.run(main())


def _anyio(n: int) -> dict[str, float]:
    import anyio
    import anyio.lowlevel

    async def main() -> dict[str, float]:
        release = anyio.Event()
        _, before = _statm()
        result: dict[str, float] = {}
        async with anyio.create_task_group() as group:
            for _ in range(n):
                group.start_soon(release.wait)
            await anyio.lowlevel.checkpoint()  # every task runs until it blocks
            _, during = _statm()
            result["rss"] = (during - before) / n
            release.set()
        return result

    return anyio.run(main)


def _threads(n: int) -> dict[str, float]:
    import threading

    release = threading.Event()
    started = threading.Semaphore(0)

    def wait() -> None:
        started.release()
        release.wait()

    virtual_before, before = _statm()
    threads = [threading.Thread(target=wait) for _ in range(n)]
    for thread in threads:
        thread.start()
    for _ in range(n):
        started.acquire()
    virtual_during, during = _statm()
    release.set()
    for thread in threads:
        thread.join()
    return {"rss": (during - before) / n, "virtual": (virtual_during - virtual_before) / n}


def _processes(n: int) -> dict[str, float]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    release = context.Event()
    children = [context.Process(target=release.wait) for _ in range(n)]
    for child in children:
        child.start()
    pss = sum(_pss(child.pid) for child in children if child.pid is not None)
    release.set()
    for child in children:
        child.join()
    return {"rss": pss / n}


def measure_in_child(kind: str, n: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its bytes-per-unit figures."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.suites._memory", kind, str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    figures: dict[str, float] = json.loads(completed.stdout)
    return figures


def main(argv: list[str]) -> None:
    kind, n = argv[0], int(argv[1])
    probes = {"asyncio": _asyncio, "anyio": _anyio, "threads": _threads, "processes": _processes}
    print(json.dumps(probes[kind](n)))


if __name__ == "__main__":
    main(sys.argv[1:])
