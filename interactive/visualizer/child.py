"""The instrumented child: run one program and stream its events to the parent over a pipe.

Usage (the parent builds this command line)::

    python -m interactive.visualizer.child --fd 5 --seed 7 example 3
    python -m interactive.visualizer.child --fd 5 --seed 7 challenge 1
    python -m interactive.visualizer.child --fd 5 --seed 7 script path/to/file.py

The program's own output is not ours (the parent sends it to /dev/null or a log). A sampler
thread, created with the real primitives before instrumentation is installed, flushes event
batches every ``--flush-ms`` and adds a memory (RSS) sample each time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
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
        self._thread = threading.Thread(target=self._run, name="visualizer-streamer", daemon=True)
        self._unsubscribe = event_log.subscribe(self._pending.append)

    def start(self) -> None:
        self._thread.start()

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
            rss = _rss_bytes()
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


def _install_instrumentation() -> bool:
    try:
        from evaluator import instrument
    except ImportError:
        return False
    instrument.install()
    return True


def _run_target(kind: str, target: str) -> None:
    if kind == "example":
        from examples import get_example, load_module

        load_module(get_example(int(target))).main(None)
    elif kind == "challenge":
        from challenges import get_challenge

        challenge = get_challenge(int(target))
        path = challenge.program_path
        try:
            from challenges.workspace import existing_copy

            path = existing_copy(challenge.number) or path  # no workspace yet: the original
        except ImportError:
            pass
        spec = importlib.util.spec_from_file_location("learner_program", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["learner_program"] = module
        spec.loader.exec_module(module)
        getattr(module, challenge.spec.run_entry)()
    else:
        runpy.run_path(str(Path(target)), run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interactive.visualizer.child")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flush-ms", type=float, default=20.0)
    parser.add_argument("kind", choices=("example", "challenge", "script"))
    parser.add_argument("target")
    args = parser.parse_args(argv)

    streamer = _Streamer(args.fd, args.flush_ms / 1000)  # real thread: before instrumentation
    instrumented = _install_instrumentation()
    streamer.start()
    if not instrumented:
        event_log.emit(EventKind.MARK, "visualizer", 0, detail="instrumentation unavailable")
    random.seed(args.seed)
    code = 0
    try:
        _run_target(args.kind, args.target)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as error:
        traceback.print_exc()
        event_log.emit(EventKind.FINDING, "visualizer", 0, detail=f"crash: {type(error).__name__}: {error}")
        code = 1
    event_log.emit(EventKind.MARK, "visualizer", 0, detail=f"exit {code}")
    streamer.close()
    return code


if __name__ == "__main__":
    os._exit(main())
