"""The instrumented child: run one program and stream its events to the parent over a pipe.

It runs inside :func:`evaluator.sandbox.run_sandboxed` (the same supervisor, limits, scrubbed
environment and unprivileged user as `learn check`), which starts it as::

    python -m interactive.visualizer.child request.json

with ``{"kind": "example"|"challenge"|"script", "target": "3"|"program.py", "seed": 7,
"flush_ms": 20, "result_fd": N, ...}``; events go to ``result_fd``. For a challenge or a script
the program is a copy in the sandbox's working directory (``target``); for a challenge the
entry point comes from its spec (``challenge`` names the number).

The program's own output is not ours (the parent sends it to /dev/null or a log). A sampler
thread, created with the real primitives before instrumentation is installed, flushes event
batches every ``--flush-ms`` and adds a memory (RSS) sample each time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import runpy
import sys
import threading
import time
import traceback
from collections import deque
from pathlib import Path

from evaluator.events import Event, EventKind, event_log
from interactive.visualizer.wire import encode_batch

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MAX_BATCH = 4096
"""Events per line on the pipe: a line stays well under the parent's read size, and a burst of
events still reaches the UI within one flush."""


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


class _Streamer:
    """Collects events from the log and writes them in batches on a real (uninstrumented) thread."""

    def __init__(self, fd: int, flush_s: float) -> None:
        self._out = os.fdopen(fd, "wb")
        self._pending: deque[Event] = deque()
        self._stop = threading.Event()
        self._sleep = time.sleep
        self._flush_s = flush_s
        self.virtual = False
        """A simulated world's virtual clock: no real-time memory samples mix into it."""
        self._thread = threading.Thread(target=self._run, name="visualizer-streamer", daemon=True)
        self._unsubscribe = event_log.subscribe(self._pending.append)

    def start(self) -> None:
        self._thread.start()

    def send(self, events: list[Event]) -> None:
        """Queue events built elsewhere (a simulated world's history) for the parent."""
        self._pending.extend(events)

    def _drain(self) -> None:
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
            try:
                self._out.write(encode_batch(batch))
            except BrokenPipeError:  # the UI went away: nobody to tell
                self._stop.set()
                return
        try:
            self._out.flush()
        except BrokenPipeError:
            self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = None if self.virtual else _rss_bytes()
            if rss is not None:
                event_log.emit(EventKind.MEMORY, "sampler", 0, value=rss)
            self._drain()
            self._sleep(self._flush_s)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._unsubscribe()
        self._drain()
        with contextlib.suppress(BrokenPipeError):
            self._out.close()


_STREAMER: _Streamer | None = None
"""The running streamer (a simulated challenge sends its world's events through it)."""
_SEED = 0


def _run_target(kind: str, target: str, challenge_number: int | None = None) -> None:
    if kind == "example":
        from examples import _lesson, get_example, load_module

        _lesson.VIEWING = True  # watching a lesson writes nothing (no workspace copy)
        load_module(get_example(int(target))).main(None)
    elif kind == "challenge":
        from challenges import get_challenge

        challenge = get_challenge(int(challenge_number if challenge_number is not None else target))
        path = Path(target) if challenge_number is not None else challenge.program_path
        if challenge_number is None:
            from learner.workspace import existing_copy

            path = existing_copy(challenge.number) or path  # no workspace yet: the original
        from evaluator.loader import load_program

        module = load_program(path, name="learner_program")
        from interactive.visualizer.sim import is_simulated, simulate, world_events

        if is_simulated(challenge.spec) and _STREAMER is not None:
            world, problem, shown = simulate(challenge.spec, module, _SEED or 1)
            events = world_events(world, problem, shown)
            last = events[-1].ts_ns if events else 0
            event_log.clock = lambda: last  # the closing marks land on the virtual clock too
            _STREAMER.send(events)
            return
        getattr(module, challenge.spec.run_entry)()
    else:
        runpy.run_path(str(Path(target)), run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 1 and args[0].endswith(".json"):
        request = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        fd, seed, flush_ms = (
            int(request["result_fd"]),
            int(request.get("seed", 0)),
            float(request.get("flush_ms", 20)),
        )
        kind, target, number = (
            str(request["kind"]),
            str(request["target"]),
            request.get("challenge"),
        )
        virtual = bool(request.get("virtual", False))
    else:  # direct use (debugging): --fd N --seed S KIND TARGET
        parser = argparse.ArgumentParser(prog="interactive.visualizer.child")
        parser.add_argument("--fd", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--flush-ms", type=float, default=20.0)
        parser.add_argument("kind", choices=("example", "challenge", "script"))
        parser.add_argument("target")
        parsed = parser.parse_args(args)
        fd, seed, flush_ms, kind, target, number = (
            parsed.fd,
            parsed.seed,
            parsed.flush_ms,
            parsed.kind,
            parsed.target,
            None,
        )
        virtual = False
    os.set_inheritable(fd, False)
    global _STREAMER, _SEED
    streamer = _STREAMER = _Streamer(fd, flush_ms / 1000)  # real thread: before instrumentation
    streamer.virtual = virtual
    _SEED = seed
    if not virtual:
        from interactive.visualizer import hooks

        hooks.install()  # asyncio tasks, loop watchdog, worker processes (real threads: before instrumentation)
    from evaluator import instrument

    instrument.install()
    streamer.start()
    random.seed(seed)
    code = 0
    try:
        _run_target(kind, target, int(number) if number is not None else None)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as error:
        traceback.print_exc()
        event_log.emit(
            EventKind.FINDING, "visualizer", 0, detail=f"crash: {type(error).__name__}: {error}"
        )
        code = 1
    event_log.emit(EventKind.MARK, "visualizer", 0, detail=f"exit {code}")
    streamer.close()
    sys.stdout.flush()
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    os._exit(main())
