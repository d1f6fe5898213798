"""Stacks of every thread and asyncio task: captured in the child, formatted for the learner.

The child calls :func:`install_dump_handlers` early. At the deadline the sandbox sends
SIGUSR1 (faulthandler: a C-level dump that works even when the child is stuck in C code)
and writes a byte on a pipe (a Python-level dump with thread names and asyncio tasks, as JSON).
"""

from __future__ import annotations

import faulthandler
import gc
import json
import linecache
import os
import signal
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import IO, Any

__all__ = [
    "Frame",
    "capture_stacks",
    "format_stacks",
    "frame_list",
    "install_dump_handlers",
    "summarize_stacks",
]

Frame = dict[str, Any]
"""``{"file": str, "line": int, "func": str, "code": str}``; innermost frame last."""

_HERE = str(Path(__file__).resolve())
_GRADER_DIR = str(Path(__file__).resolve().parent) + os.sep
"""Frames in this folder are the grader's own (hidden from the learner's view of a hang)."""
DUMP_THREAD = "grader-stack-dump"
"""Name of the grader's own waiting thread (left out of every report)."""
_keep_open: list[IO[str]] = []


def frame_list(frame: FrameType | None, limit: int = 40) -> list[Frame]:
    """The stack ending at ``frame`` (outermost first), without this module's frames."""
    frames: list[Frame] = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        if code.co_filename != _HERE:
            line = frame.f_lineno or 0
            frames.append(
                {
                    "file": code.co_filename,
                    "line": line,
                    "func": code.co_name,
                    "code": linecache.getline(code.co_filename, line).strip(),
                }
            )
        frame = frame.f_back
    frames.reverse()
    return frames


def _asyncio_tasks() -> list[Any]:
    import asyncio

    return [obj for obj in gc.get_objects() if isinstance(obj, asyncio.Task) and not obj.done()]


def capture_stacks() -> dict[str, Any]:
    """Every thread's and every pending asyncio task's current stack."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    threads = [
        {"name": names.get(ident, f"thread-{ident}"), "ident": ident, "frames": frame_list(frame)}
        for ident, frame in sys._current_frames().items()
        if names.get(ident) != DUMP_THREAD
    ]
    tasks = []
    for task in _asyncio_tasks():
        frames: list[Frame] = []
        for frame in task.get_stack(limit=20):
            frames.extend(frame_list(frame, limit=1))
        tasks.append(
            {
                "name": task.get_name(),
                "coro": getattr(task.get_coro(), "__qualname__", "?"),
                "frames": frames,
            }
        )
    return {"threads": threads, "tasks": tasks}


def install_dump_handlers(request_fd: int, json_path: str, text_path: str) -> None:
    """Dump stacks when asked, even while every thread is blocked.

    * a byte on ``request_fd`` wakes a daemon thread that writes :func:`capture_stacks` to
      ``json_path`` (a Python signal handler would wait for the main thread to return to
      the interpreter loop, which never happens while it is blocked in ``join()``);
    * SIGUSR1 makes faulthandler write a C-level dump to ``text_path`` (works even when the
      program is stuck in C code holding the GIL).
    """
    text = open(text_path, "w", encoding="utf-8")  # noqa: SIM115 - must outlive this call
    _keep_open.append(text)
    faulthandler.register(signal.SIGUSR1, file=text, all_threads=True)

    def wait_and_dump() -> None:
        try:
            if not os.read(request_fd, 1):
                return
        except OSError:
            return
        data = capture_stacks()
        with open(json_path, "w", encoding="utf-8") as handle:
            json.dump(data, handle)

    threading.Thread(target=wait_and_dump, name=DUMP_THREAD, daemon=True).start()


def _is_program(frame: Frame, program_names: Iterable[str]) -> bool:
    return Path(frame["file"]).name in set(program_names)


def _short(frame: Frame) -> str:
    return f"{Path(frame['file']).name}:{frame['line']} in {frame['func']}"


def format_stacks(data: dict[str, Any], program_names: Iterable[str] = ()) -> str:
    """A readable dump: each thread, then each task, innermost frame last.

    With ``program_names``, only the frames in those files are shown, plus the innermost frame
    (where the thread is blocked) unless it is the grader's own, so the learner is not lost in
    threading or grader internals.
    """
    names = tuple(program_names)
    lines: list[str] = []
    for kind in ("threads", "tasks"):
        for entry in data.get(kind, ()):
            label = "thread" if kind == "threads" else "task"
            lines.append(f"{label} {entry['name']!r}:")
            frames = entry["frames"]
            if names:
                frames = [
                    f
                    for i, f in enumerate(frames)
                    if _is_program(f, names)
                    or (i == len(frames) - 1 and not f["file"].startswith(_GRADER_DIR))
                ]
            for frame in frames:
                lines.append(f"  {_short(frame)}")
                if frame["code"]:
                    lines.append(f"      {frame['code']}")
    return "\n".join(lines)


def summarize_stacks(data: dict[str, Any], program_names: Iterable[str]) -> list[str]:
    """One line per thread/task: where it is stuck in the learner's file (those first)."""
    names = tuple(program_names)
    mine: list[str] = []
    other: list[str] = []
    for kind in ("threads", "tasks"):
        for entry in data.get(kind, ()):
            label = "thread" if kind == "threads" else "task"
            own = [f for f in entry["frames"] if _is_program(f, names)]
            if own:
                frame = own[-1]
                code = f": {frame['code']}" if frame["code"] else ""
                mine.append(f"{label} {entry['name']!r} at {_short(frame)}{code}")
            elif entry["frames"]:
                other.append(f"{label} {entry['name']!r} at {_short(entry['frames'][-1])}")
    return mine + other
