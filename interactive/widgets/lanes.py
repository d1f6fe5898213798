"""Visualizer widgets: a lane per thread, a lock heatmap, queue/memory sparklines.

Each widget holds the latest immutable :class:`VisSnapshot` in a plain attribute set on the UI
thread by the screen's timer, and renders it downsampled to its current width.
"""

from __future__ import annotations

from bisect import bisect_right

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
    transitions = actor.transitions
    span = max(1, end_ns - start_ns)
    first = start_ns + span // columns
    # Skip, by bisection, what happened before the first column; then one merge pass.
    index = bisect_right(transitions, first, key=_time_of) - 1
    count = len(transitions)
    cells: list[ActorState | None] = []
    for column in range(columns):
        at = start_ns + span * (column + 1) // columns
        while index + 1 < count and transitions[index + 1][0] <= at:
            index += 1
        cells.append(transitions[index][1] if index >= 0 else None)
    return cells


def _time_of(transition: tuple[int, ActorState]) -> int:
    return transition[0]


def _runs(cells: list[ActorState | None]) -> list[tuple[ActorState | None, int]]:
    """Run-length encoding: one styled segment per run of equal cells keeps rendering cheap."""
    runs: list[tuple[ActorState | None, int]] = []
    for cell in cells:
        if runs and runs[-1][0] is cell:
            runs[-1] = (cell, runs[-1][1] + 1)
        else:
            runs.append((cell, 1))
    return runs


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
    _strips: tuple[Strip, ...] = ()
    _built_for: tuple[int, int] = (-1, -1)

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.actors) + 1

    def show(self, snapshot: VisSnapshot) -> None:
        self._built_for = (-1, -1)
        super().show(snapshot)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._built_for != (id(self.snapshot), width):
            self._strips = tuple(self._build(width))
            self._built_for = (id(self.snapshot), width)
        return self._strips[y] if y < len(self._strips) else Strip.blank(width)

    def _build(self, width: int) -> list[Strip]:
        snap = self.snapshot
        if not snap.actors:
            return [Strip([Segment("waiting for the first thread…", _DIM)]).crop(0, width)]
        now_width = 22 if width >= 70 else 10
        name_width = max(NAME_WIDTH, min(32, width // 6))
        columns = max(4, width - name_width - now_width - 2)
        legend: list[Segment] = []
        for state in list(ActorState)[:6]:
            char, _ = STATE_STYLE[state]
            legend += [Segment(char, _STYLES[state]), Segment(f"{state.value} ")]
        strips = [Strip(legend).crop(0, width)]
        for actor in snap.actors:
            name_style = _ALERT if actor.name in self.highlighted else _BOLD
            segments = [Segment(f"{actor.name[: name_width - 1]:<{name_width - 1}} ", name_style)]
            for cell, length in _runs(lane_cells(actor, snap.start_ns, snap.now_ns, columns)):
                char = STATE_STYLE[cell][0] if cell is not None else " "
                segments.append(Segment(char * length, _STYLES.get(cell, _PLAIN)))
            now = actor.state.value if actor.obj is None else f"{actor.state.value.split('-')[-1]} {actor.obj}"
            segments.append(Segment(f" {now[:now_width]}", _STYLES[actor.state]))
            strips.append(Strip(segments).crop(0, width))
        return strips

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
