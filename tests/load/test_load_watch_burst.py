"""`learn watch` under a burst of 100 saves: the real file watcher feeds the real loop, and the
burst is graded once, on the latest content."""

from __future__ import annotations

import threading
from pathlib import Path

from learner.watch import WatchLoop, watch_files
from learner.workspace import ensure_working_copy

SAVES = 100


def test_a_burst_of_saves_is_graded_once_on_the_latest_content() -> None:
    path = ensure_working_copy(2).path
    graded: list[str] = []
    burst_graded = threading.Event()

    def grade(number: int) -> bool:
        graded.append(path.read_text(encoding="utf-8"))
        if len(graded) == 2:
            burst_graded.set()
        return False

    # A settle time far above the gap between two saves, even on a loaded machine.
    loop = WatchLoop(2, grade, announce=lambda _: None, settle_seconds=1.5)
    stop, watching = threading.Event(), threading.Event()
    forward = loop.on_file_changes

    def on_file_changes(changed: set[Path]) -> None:
        watching.set()
        forward(changed)

    loop.on_file_changes = on_file_changes  # type: ignore[method-assign]
    threading.Thread(target=watch_files, args=(loop, stop), daemon=True).start()
    other = path.parent.parent / "not-watched-by-the-loop.txt"
    while not watching.wait(0.2):  # the watcher is live once it reports a save of another file
        other.write_text("ping", encoding="utf-8")
    runner = threading.Thread(target=loop.run, daemon=True)
    runner.start()
    try:
        while not graded:  # the first grading happens at start, before any save
            runner.join(0.01)
        for save in range(SAVES):
            path.write_text(f"# save {save}\n", encoding="utf-8")
        assert burst_graded.wait(60), "the burst was never graded"
    finally:
        loop.signals.put("quit")
        runner.join(30)
        stop.set()
    assert graded[1] == f"# save {SAVES - 1}\n"
    assert loop.gradings == 2, f"{loop.gradings - 1} gradings for one burst"
