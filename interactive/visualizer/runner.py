"""Run a program in an instrumented child process and fold its events as they stream in.

The UI thread only ever calls :meth:`LiveRun.snapshot` (an immutable copy). A reader thread
decodes batches and folds them; a hung or crashing program cannot freeze the UI, and a
deadline kills the child's whole process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from evaluator.events import Event
from interactive.visualizer.fold import Fold, VisSnapshot
from interactive.visualizer.wire import decode_batch

__all__ = ["KEEP_EVENTS", "LiveRun", "Target", "run_to_completion"]

ROOT = Path(__file__).resolve().parents[2]
KEEP_EVENTS = 200_000
"""Events kept for stepping, replay and trace export (a ring buffer: memory stays bounded)."""


@dataclass(frozen=True)
class Target:
    """What to run: ``example 3``, ``challenge 1`` or ``script path.py``."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class LiveRun:
    """One instrumented run; thread-safe :meth:`snapshot` for the UI timer."""

    def __init__(self, target: Target, *, seed: int = 0, deadline_s: float = 60.0, keep: int = KEEP_EVENTS) -> None:
        self.target = target
        self.seed = seed
        self.deadline_s = deadline_s
        self.events: deque[Event] = deque(maxlen=keep)
        self.returncode: int | None = None
        self.killed = False
        self._fold = Fold()
        self._base = Fold()
        """The events that fell off the front of ``events``, folded: where a rewind starts."""
        self.dropped = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the run
        self._timer: threading.Timer | None = None

    def start(self) -> LiveRun:
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "PYTHONHASHSEED": str(self.seed % 4_294_967_295), "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        command = [
            sys.executable, "-m", "interactive.visualizer.child",
            "--fd", str(write_fd), "--seed", str(self.seed), self.target.kind, self.target.name,
        ]
        self._process = subprocess.Popen(
            command, pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._stderr, cwd=ROOT, env=env, start_new_session=True,
        )
        os.close(write_fd)
        self._reader = threading.Thread(target=self._read, args=(read_fd,), name="visualizer-reader", daemon=True)
        self._reader.start()
        self._timer = threading.Timer(self.deadline_s, self._deadline)
        self._timer.daemon = True
        self._timer.start()
        return self

    def ingest(self, events: list[Event]) -> None:
        """Fold a batch in (the reader thread calls this; benchmarks and tests may too)."""
        with self._lock:
            for event in events:
                self._fold.apply(event)
            kept = self.events
            before = len(kept)
            overflow = before + len(events) - (kept.maxlen or 0)
            if kept.maxlen is not None and overflow > 0:
                self.dropped += overflow
                base = self._base
                for _ in range(min(overflow, before)):
                    base.apply(kept.popleft())
                for event in events[: max(0, overflow - before)]:
                    base.apply(event)
            kept.extend(events)

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                try:
                    batch = decode_batch(line)
                except (ValueError, KeyError, IndexError, TypeError):
                    continue  # a torn line from a killed child: skip it
                self.ingest(batch)
        if self._process is not None:
            self.returncode = self._process.wait()
        if self._timer is not None:
            self._timer.cancel()

    def _deadline(self) -> None:
        self.killed = True
        self.stop()

    @property
    def finished(self) -> bool:
        return self.returncode is not None

    def snapshot(self) -> VisSnapshot:
        with self._lock:
            return self._fold.snapshot()

    def recorded(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self.events)

    def history_base(self) -> tuple[Fold, int]:
        """A copy of the fold of the events no longer kept, and how many they were (rewind starts there)."""
        with self._lock:
            return self._base.copy(), self.dropped

    def errors(self, lines: int = 6) -> str:
        """The last lines the child wrote on stderr (a traceback when the program crashed)."""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """Kill the child's process group (idempotent) and wait for the reader to finish."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._timer is not None:
            self._timer.cancel()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)

    def wait(self) -> int | None:
        if self._reader is not None:
            self._reader.join()
        return self.returncode


def run_to_completion(target: Target, *, seed: int = 0, deadline_s: float = 60.0) -> LiveRun:
    """Run ``target`` to the end (or the deadline) and return the finished run."""
    run = LiveRun(target, seed=seed, deadline_s=deadline_s).start()
    run.wait()
    return run
