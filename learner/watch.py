"""`learn watch N`: re-grade on every save, move on to the next challenge after a pass.

Two sources feed one queue: a watchfiles thread (the file was saved) and a keyboard thread
(Enter re-runs, h hint, r run, l list, n next, q quits, like rustlings' watch mode) — the
keyboard is also the fallback where file events are unreliable (network drives, some
containers and editors). Bursts are coalesced: an editor that writes the file three times
in a row triggers one grading, of the latest content.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from challenges._registry import all_challenges
from learner.workspace import ensure_working_copy, workspace_dir

__all__ = ["Signal", "WatchLoop", "coalesce", "next_challenge"]

Signal = Literal["changed", "rerun", "quit", "hint", "run", "list", "next"]
KEYS: dict[str, Signal] = {
    "q": "quit",
    "quit": "quit",
    "exit": "quit",
    "h": "hint",
    "r": "run",
    "l": "list",
    "n": "next",
}
"""A typed line (then Enter) -> its signal; anything else re-runs the check."""
ACTIONS = ("hint", "run", "list")
"""Signals handled by :attr:`WatchLoop.act` without re-grading."""


def coalesce(signals: queue.Queue[Signal], first: Signal, settle_seconds: float) -> Signal:
    """Swallow the burst following ``first``: wait until ``settle_seconds`` pass without a signal.

    Returns "quit" if any signal in the burst was a quit, else "rerun"/"changed" (one grading).
    Any other key (hint, run, list, next, quit) is returned at once.
    """
    if first not in ("changed", "rerun"):
        return first  # a key the learner pressed is answered, never swallowed
    seen: Signal = first
    while seen != "quit":
        try:
            signal = signals.get(timeout=settle_seconds)
        except queue.Empty:
            break
        seen = "quit" if signal == "quit" else seen
    return seen


def next_challenge(number: int) -> int | None:
    """The challenge after ``number``, or None after the last."""
    later = [c.number for c in all_challenges() if c.number > number]
    return min(later) if later else None


@dataclass
class WatchLoop:
    """Grades the current challenge's file whenever a signal arrives; advances after a pass."""

    number: int
    grade: Callable[[int], bool]
    """Grade challenge N's working copy, render the report, return whether it passed."""
    announce: Callable[[str], None] = print
    settle_seconds: float = 0.3
    act: Callable[[Signal, int], None] | None = None
    """Show a hint, run the program or list the challenges (keys h, r, l); None ignores those keys."""
    introduce: Callable[[int], None] | None = None
    """Show a challenge's story when the loop moves on to it."""
    signals: queue.Queue[Signal] = field(default_factory=queue.Queue)
    gradings: int = 0
    watched: Path | None = field(default=None, init=False)
    """The working copy being watched. Set only by the loop's own thread (when it starts on a
    challenge); the file watcher's thread only reads it, so nothing is created from there."""

    @property
    def path(self) -> Path:
        """The watched working copy (created, with its story, when the loop starts on a challenge)."""
        if self.watched is None:
            self.watched = ensure_working_copy(self.number).path
        return self.watched

    def run(self) -> None:
        """Grade now, then once per (coalesced) signal, until "quit" or the last challenge passes."""
        self.announce(
            f"watching {self.path}  (save to re-check · Enter re-runs · h hint · r run · "
            "l list · n next · q quits)"
        )
        grade = True
        while True:
            if grade and self._grade_current() and not self._move_on():
                return
            signal = coalesce(self.signals, self.signals.get(), self.settle_seconds)
            if signal == "quit":
                return
            grade = signal not in ACTIONS
            if signal in ACTIONS and self.act is not None:
                self.act(signal, self.number)
            elif signal == "next" and not self._move_on():
                return

    def _move_on(self) -> bool:
        """Go to the next challenge (its story first); False after the last one."""
        following = next_challenge(self.number)
        if following is None:
            self.announce("that was the last challenge: well done!")
            return False
        self.number = following
        self.watched = None
        if self.introduce is not None:
            self.introduce(following)
        self.announce(f"on to challenge {following}: watching {self.path}")
        return True

    def _grade_current(self) -> bool:
        self.gradings += 1
        return self.grade(self.number)

    def on_file_changes(self, changed: set[Path]) -> None:
        """Called by the file watcher with the paths that changed."""
        watched = self.watched
        if watched is not None and watched in changed:
            self.signals.put("changed")


def watch_files(loop: WatchLoop, stop: threading.Event) -> None:
    """Feed ``loop`` with save events of files in the workspace (runs on a daemon thread)."""
    import watchfiles

    folder = workspace_dir()
    for changes in watchfiles.watch(folder, stop_event=stop, debounce=200, raise_interrupt=False):
        loop.on_file_changes({Path(path).resolve() for _, path in changes})


def read_keys(loop: WatchLoop) -> None:
    """Enter re-runs the check, h/r/l/n/q + Enter act (see :data:`KEYS`); end of input leaves only file events."""
    for line in sys.stdin:
        loop.signals.put(KEYS.get(line.strip().lower(), "rerun"))


def run_watch(loop: WatchLoop) -> None:
    """Run ``loop`` with the file watcher and the keyboard fallback; stop both afterwards."""
    stop = threading.Event()
    ensure_working_copy(loop.number)
    threading.Thread(target=watch_files, args=(loop, stop), name="watch-files", daemon=True).start()
    threading.Thread(target=read_keys, args=(loop,), name="watch-keys", daemon=True).start()
    try:
        loop.run()
    finally:
        stop.set()
