"""Run a program in an instrumented, sandboxed child and fold its events as they stream in.

The child runs under :func:`evaluator.sandbox.run_sandboxed` — the one supervisor `learn check`
uses: rlimits, a scrubbed environment (no ``LEARN_HOME``), an unprivileged user when we are
root, a fresh working directory holding only a copy of the program, and a deadline after which
the whole process tree is killed. The UI thread only ever calls :meth:`LiveRun.snapshot` (an
immutable copy); a supervisor thread streams the event pipe, decodes batches and folds them.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from evaluator.events import Event
from evaluator.state import Fold, VisSnapshot
from interactive.visualizer.wire import decode_batch

__all__ = ["KEEP_EVENTS", "LiveRun", "Target", "run_to_completion"]

KEEP_EVENTS = 200_000
"""Events kept for stepping, replay and trace export (a ring buffer: memory stays bounded)."""
CHECKPOINTS = 8
"""Copies of the fold kept for rewinding (one every KEEP_EVENTS / 4 events: the kept window
always contains one)."""


@dataclass(frozen=True)
class Target:
    """What to run: ``example 3``, ``challenge 1`` or ``script path.py``.

    ``file`` is the program a challenge runs (the learner's copy, the original, or any file);
    None: the learner's copy when it exists, else the original.
    """

    kind: str
    name: str
    file: Path | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def simulated(self) -> bool:
        """A challenge graded in the simulated world (9-16): its events run on virtual time."""
        if self.kind != "challenge":
            return False
        from challenges import get_challenge
        from interactive.visualizer.sim import is_simulated

        return is_simulated(get_challenge(int(self.name)).spec)

    def program(self) -> Path | None:
        """The file copied into the sandbox (None for a lesson, which runs from the course)."""
        if self.kind == "script":
            return Path(self.name)
        if self.kind != "challenge":
            return None
        if self.file is not None:
            return self.file
        from challenges import get_challenge
        from learner.workspace import working_copy_path

        challenge = get_challenge(int(self.name))
        learner = working_copy_path(challenge)
        return learner if learner.exists() else challenge.program_path


class LiveRun:
    """One instrumented run; thread-safe :meth:`snapshot` for the UI timer."""

    def __init__(
        self, target: Target, *, seed: int = 0, deadline_s: float = 60.0, keep: int = KEEP_EVENTS
    ) -> None:
        self.target = target
        self.seed = seed
        self.deadline_s = deadline_s
        self.events: deque[Event] = deque(maxlen=keep)
        self.returncode: int | None = None
        self.killed = False
        self._fold = Fold()
        self.total = 0
        """Events received so far (``events`` keeps the last ``keep`` of them)."""
        self._checkpoint_every = max(1, keep // 4)
        self._last_checkpoint = 0
        self._checkpoints: deque[tuple[int, Fold]] = deque(maxlen=CHECKPOINTS)
        """(events applied, a copy of the fold then): where a rewind starts once old events are dropped."""
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._cancel = threading.Event()
        self._partial = b""
        self._stderr_text = ""

    def start(self) -> LiveRun:
        self._supervisor = threading.Thread(
            target=self._supervise, name="visualizer-supervisor", daemon=True
        )
        self._supervisor.start()
        return self

    def _supervise(self) -> None:
        """Run the child in the sandbox (blocking) and stream its events into the fold."""
        from evaluator.sandbox import run_sandboxed

        request: dict[str, object] = {
            "kind": self.target.kind,
            "target": self.target.name,
            "seed": self.seed,
        }
        files: dict[str, Path] = {}
        program = self.target.program()
        if program is not None:
            files["program.py"] = program
            request["target"] = "program.py"
            if self.target.kind == "challenge":
                request["challenge"] = int(self.target.name)
                request["virtual"] = self.target.simulated()
        try:
            result = run_sandboxed(
                "interactive.visualizer.child",
                request,
                files=files,
                deadline_s=self.deadline_s,
                seed=self.seed,
                on_result=self._feed,
                cancel=self._cancel,
            )
        except OSError as error:
            self._stderr_text = f"could not start the program: {error}"
            self.returncode = 1
            return
        self._feed(b"\n")  # a last line without its newline (killed mid-write) is dropped as torn
        self._stderr_text = result.stderr
        self.killed = result.timed_out
        self.returncode = result.exit_code if result.exit_code is not None else -1
        if result.timed_out and result.stacks:
            self._stderr_text += "\n" + result.stacks

    def _feed(self, chunk: bytes) -> None:
        """Split the event pipe into lines (one batch each) and fold every complete one."""
        self._partial += chunk
        *lines, self._partial = self._partial.split(b"\n")
        for line in lines:
            if not line:
                continue
            try:
                batch = decode_batch(line)
            except (ValueError, KeyError, IndexError, TypeError):
                continue  # a torn line from a killed child: skip it
            self.ingest(batch)

    def ingest(self, events: list[Event]) -> None:
        """Fold a batch in (the reader thread calls this; benchmarks and tests may too)."""
        with self._lock:
            for event in events:
                self._fold.apply(event)
            kept = self.events
            self.total += len(events)
            if self.total - self._last_checkpoint >= self._checkpoint_every:
                self._last_checkpoint = self.total
                self._checkpoints.append((self.total, self._fold.copy()))
            kept.extend(events)

    @property
    def finished(self) -> bool:
        return self.returncode is not None

    def snapshot(self) -> VisSnapshot:
        with self._lock:
            return self._fold.snapshot()

    def recorded(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self.events)

    @property
    def dropped(self) -> int:
        """Events no longer kept (the ring buffer's front fell off)."""
        return self.total - len(self.events)

    def history_base(self) -> tuple[Fold, int]:
        """Where a rewind starts: a fold of everything before it, and the index in :meth:`recorded`
        of the first event after it (0 while nothing was dropped; else the oldest checkpoint
        inside the kept window, whose state is exact)."""
        with self._lock:
            dropped = self.total - len(self.events)
            if not dropped:
                return Fold(), 0
            for count, fold in self._checkpoints:
                if count >= dropped:
                    return fold.copy(), count - dropped
            return self._fold.copy(), len(self.events)

    def errors(self, lines: int = 6) -> str:
        """The last lines the child wrote on stderr (a traceback when the program crashed)."""
        return "\n".join(self._stderr_text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the child's whole process tree (idempotent) and wait for the supervisor to finish."""
        self._cancel.set()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=10)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the run to end (at most ``timeout`` seconds); its exit code, or None if still running."""
        if self._supervisor is not None:
            self._supervisor.join(timeout)
        return self.returncode


def run_to_completion(target: Target, *, seed: int = 0, deadline_s: float = 60.0) -> LiveRun:
    """Run ``target`` to the end (or the deadline) and return the finished run."""
    run = LiveRun(target, seed=seed, deadline_s=deadline_s).start()
    run.wait()
    return run
