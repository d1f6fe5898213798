"""Visualizer widgets: a lane per thread, a lock heatmap, queue/memory sparklines.

Each widget holds the latest immutable :class:`VisSnapshot` in a plain attribute set on the UI
thread by the screen's timer, and renders it downsampled to its current width.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import repeat

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from interactive.visualizer.fold import ActorState, ActorView, VisSnapshot

__all__ = ["HeatmapWidget", "LanesWidget", "SparklinesWidget", "sparkline"]

STATE_STYLE: dict[ActorState, tuple[str, str]] = {
    ActorState.RUNNING: ("█", "green"),
    ActorState.LOCK: ("▓", "red"),
    ActorState.QUEUE: ("▒", "yellow"),
    ActorState.JOIN: ("░", "blue"),
    ActorState.EVENT: ("░", "magenta"),
    ActorState.SLEEPING: ("─", "grey50"),
    ActorState.DONE: (" ", "grey30"),
}
_STYLES: dict[ActorState | None, Style] = {state: Style.parse(color) for state, (_, color) in STATE_STYLE.items()}
_PLAIN, _DIM, _BOLD = Style(), Style(dim=True), Style(bold=True)
_ALERT = Style(bold=True, reverse=True, color="red")
NAME_WIDTH = 14
BLOCKS = "▁▂▃▄▅▆▇█"


def lane_cells(actor: ActorView, start_ns: int, end_ns: int, columns: int) -> list[ActorState | None]:
    """The actor's state at the end of each of ``columns`` equal time slices (None: not started)."""
    return _cells(actor.transitions, _column_ends(start_ns, end_ns, columns))


def _column_ends(start_ns: int, end_ns: int, columns: int) -> list[tuple[int]]:
    """When each column ends, as bisection keys: ``(at + 1,)`` sorts after every transition
    ``(ts, state)`` with ``ts <= at`` and before the later ones. The same for every lane of a
    frame, so computed once per frame."""
    span = max(1, end_ns - start_ns)
    return [(start_ns + span * (column + 1) // columns + 1,) for column in range(columns)]


def _cells(transitions: tuple[tuple[int, ActorState], ...], ends: list[tuple[int]]) -> list[ActorState | None]:
    """The state in force at each column end: the last transition at or before it (transitions are
    in time order). One C-level bisection per column, touching ~log2(len) transitions each."""
    # bisect_right counts the transitions at or before the column's end; 0 (none yet) maps to None.
    found = map(bisect_right, repeat(transitions), ends)
    return [transitions[index - 1][1] if index else None for index in found]


def _runs(cells: list[ActorState | None]) -> list[tuple[ActorState | None, int]]:
    """Run-length encoding: one styled segment per run of equal cells keeps rendering cheap."""
    runs: list[tuple[ActorState | None, int]] = []
    for cell in cells:
        if runs and runs[-1][0] is cell:
            runs[-1] = (cell, runs[-1][1] + 1)
        else:
            runs.append((cell, 1))
    return runs


def _run_segment(cell: ActorState | None, length: int) -> Segment:
    char = STATE_STYLE[cell][0] if cell is not None else " "
    return Segment(char * length, _STYLES.get(cell, _PLAIN))


_RUN_SEGMENTS: dict[tuple[ActorState | None, int], Segment] = {}
"""(state, run length) -> its segment. Segments are immutable, so every lane and frame shares them:
a flood of events then allocates no new segments for the lanes, which keeps the garbage collector's
full collections (tens of ms each with a large event history in memory) rare. Bounded by the number
of states times the widest lane."""


def sparkline(values: tuple[int, ...], width: int, *, from_min: bool = False) -> str:
    """``values`` resampled to ``width`` block characters (max of each bucket).

    ``from_min`` scales between the lowest and highest value (memory), not from zero (queues).
    """
    if not values or width <= 0:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = tuple(max(values[int(i * step): max(int(i * step) + 1, int((i + 1) * step))]) for i in range(width))
    floor = min(values) if from_min else 0
    top = (max(values) - floor) or 1
    return "".join(BLOCKS[min(len(BLOCKS) - 1, (v - floor) * (len(BLOCKS) - 1) // top)] for v in values)


class _LaneFrame:
    """Per-frame layout of the lanes, shared by every row: widths and the columns' end times."""

    __slots__ = ("ends", "name_width", "now_width", "snapshot")

    def __init__(self, snapshot: VisSnapshot, width: int) -> None:
        self.snapshot = snapshot
        self.now_width = 22 if width >= 70 else 10
        self.name_width = max(NAME_WIDTH, min(32, width // 6))
        columns = max(4, width - self.name_width - self.now_width - 2)
        self.ends = _column_ends(snapshot.start_ns, snapshot.now_ns, columns)


class _SnapshotWidget(Widget):
    snapshot: VisSnapshot = VisSnapshot()

    def show(self, snapshot: VisSnapshot) -> None:
        """Called on the UI thread by the screen's timer; re-layout only when the row count changes."""
        rows_before = self._rows(self.snapshot)
        self.snapshot = snapshot
        self.refresh(layout=self._rows(snapshot) != rows_before)

    def _rows(self, snapshot: VisSnapshot) -> int:
        return 1

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, self._rows(self.snapshot))


class LanesWidget(_SnapshotWidget):
    """One row per thread/task: its state over the run, then what it is doing now.

    Uses Textual's line API: each frame builds one :class:`Strip` per row from pre-made styles
    (run-length encoded), and Textual asks only for the rows on screen.
    """

    highlighted: frozenset[str] = frozenset()
    """Actors drawn in reverse video (e.g. a deadlock cycle)."""
    _strips: dict[int, Strip]
    _built_for: tuple[int, int, frozenset[str]] = (-1, -1, frozenset())
    _frame: _LaneFrame | None = None

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.actors) + 1

    def show(self, snapshot: VisSnapshot) -> None:
        self._built_for = (-1, -1, frozenset())
        super().show(snapshot)

    def render_line(self, y: int) -> Strip:
        """Rows are built lazily (only those on screen) and kept until the snapshot or width changes."""
        width = self.size.width
        key = (id(self.snapshot), width, self.highlighted)
        frame = self._frame
        if frame is None or self._built_for != key:
            frame = self._frame = _LaneFrame(self.snapshot, width)
            self._strips = {}
            self._built_for = key
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._row(frame, y, width)
        return strip

    def _build(self, width: int) -> list[Strip]:
        frame = _LaneFrame(self.snapshot, width)
        return [self._row(frame, y, width) for y in range(max(1, len(self.snapshot.actors) + 1))]

    def _row(self, frame: _LaneFrame, y: int, width: int) -> Strip:
        snap = frame.snapshot
        if not snap.actors:
            if y == 0:
                return Strip([Segment("waiting for the first thread…", _DIM)]).crop(0, width)
            return Strip.blank(width)
        if y == 0:
            legend: list[Segment] = []
            for state in list(ActorState)[:6]:
                char, _ = STATE_STYLE[state]
                legend += [Segment(char, _STYLES[state]), Segment(f"{state.value} ")]
            return Strip(legend).crop(0, width)
        if y > len(snap.actors):
            return Strip.blank(width)
        actor = snap.actors[y - 1]
        name_width, now_width = frame.name_width, frame.now_width
        name_style = _ALERT if actor.name in self.highlighted else _BOLD
        name = f"{actor.name[: name_width - 1]:<{name_width - 1}} "
        segments = [Segment(name, name_style)]
        for run in _runs(_cells(actor.transitions, frame.ends)):
            segment = _RUN_SEGMENTS.get(run)
            if segment is None:
                segment = _RUN_SEGMENTS[run] = _run_segment(*run)
            segments.append(segment)
        now = actor.state.value if actor.obj is None else f"{actor.state.value.split('-')[-1]} {actor.obj}"
        now = f" {now[:now_width]}"
        segments.append(Segment(now, _STYLES[actor.state]))
        # Every run character is one cell wide: the row's length is known without measuring segments.
        return Strip(segments, cell_len(name) + len(frame.ends) + cell_len(now)).crop(0, width)

    def render(self) -> Text:
        """Plain-text rendering of the current rows (for tests and exports)."""
        return Text("\n".join(strip.text for strip in self._build(self.size.width or 80)))


class HeatmapWidget(_SnapshotWidget):
    """Locks by total wait time: the longer the bar, the hotter the lock."""

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.locks)

    def render(self) -> Text:
        locks = sorted(self.snapshot.locks, key=lambda lock: lock.wait_ns, reverse=True)
        if not locks:
            return Text("no locks yet", style="dim")
        width = self.size.width or 60
        hottest = max(lock.wait_ns for lock in locks) or 1
        bar_width = max(4, width - 40)
        out = Text(no_wrap=True, overflow="ellipsis")
        for index, lock in enumerate(locks):
            heat = lock.wait_ns / hottest
            color = "red" if heat > 0.66 else "yellow" if heat > 0.33 else "green"
            filled = round(bar_width * heat)
            if index:
                out.append("\n")
            out.append(f"{lock.name[:16]:<16} ", style="bold")
            out.append("█" * filled + "·" * (bar_width - filled), style=color)
            owner = f" ← {lock.owner}" if lock.owner else ""
            out.append(f" {lock.wait_ns / 1e6:7.1f}ms ×{lock.acquisitions}{owner}"[:24])
        return out


class SparklinesWidget(_SnapshotWidget):
    """Queue depths and memory over time."""

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.queues) + (1 if snapshot.memory else 0)

    def render(self) -> Text:
        snap = self.snapshot
        width = self.size.width or 60
        spark_width = max(4, width - 38)
        out = Text(no_wrap=True, overflow="ellipsis")
        rows = 0
        for queue in snap.queues:
            if rows:
                out.append("\n")
            out.append(f"{queue.name[:14]:<14} ", style="bold")
            out.append(sparkline(queue.history, spark_width), style="cyan")
            out.append(f" depth {queue.depth} (peak {queue.peak})"[:22])
            rows += 1
        if snap.memory:
            if rows:
                out.append("\n")
            out.append(f"{'memory (RSS)':<14} ", style="bold")
            out.append(sparkline(snap.memory, spark_width, from_min=True), style="magenta")
            out.append(f" {snap.memory[-1] / 2**20:.1f} MiB")
            rows += 1
        return out if rows else Text("no queues yet", style="dim")
