"""Visualizer widgets: a lane per thread, a lock heatmap, queue/memory sparklines.

Each widget holds the latest immutable :class:`VisSnapshot` in a plain attribute set on the UI
thread by the screen's timer, and renders it downsampled to its current width.
"""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text
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
NAME_WIDTH = 14
BLOCKS = "▁▂▃▄▅▆▇█"


def lane_cells(actor: ActorView, start_ns: int, end_ns: int, columns: int) -> list[ActorState | None]:
    """The actor's state at the end of each of ``columns`` equal time slices (None: not started)."""
    times = [t for t, _ in actor.transitions]
    span = max(1, end_ns - start_ns)
    cells: list[ActorState | None] = []
    for column in range(columns):
        at = start_ns + span * (column + 1) // columns
        index = bisect_right(times, at) - 1
        cells.append(actor.transitions[index][1] if index >= 0 else None)
    return cells


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
        """Called on the UI thread by the screen's timer."""
        self.snapshot = snapshot
        self.refresh(layout=self._grows(snapshot))

    def _grows(self, snapshot: VisSnapshot) -> bool:
        return False


class LanesWidget(_SnapshotWidget):
    """One row per thread/task: its state over the run, then what it is doing now."""

    highlighted: frozenset[str] = frozenset()
    """Actors drawn in reverse video (e.g. a deadlock cycle)."""

    def _grows(self, snapshot: VisSnapshot) -> bool:
        return True

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.snapshot.actors) + 1)

    def render(self) -> Text:
        snap = self.snapshot
        if not snap.actors:
            return Text("waiting for the first thread…", style="dim")
        width = self.size.width or 80
        now_width = 22 if width >= 70 else 10
        name_width = max(NAME_WIDTH, min(32, width // 6))
        columns = max(4, width - name_width - now_width - 2)
        out = Text(no_wrap=True, overflow="ellipsis")
        legend = " ".join(f"[{STATE_STYLE[s][1]}]{STATE_STYLE[s][0]}[/]{s.value}" for s in list(ActorState)[:6])
        out.append_text(Text.from_markup(legend[: 400]))
        for actor in snap.actors:
            out.append("\n")
            style = "reverse bold red" if actor.name in self.highlighted else "bold"
            out.append(f"{actor.name[: name_width - 1]:<{name_width - 1}} ", style=style)
            for state in lane_cells(actor, snap.start_ns, snap.now_ns, columns):
                char, color = STATE_STYLE[state] if state is not None else (" ", "")
                out.append(char, style=color)
            now = actor.state.value if actor.obj is None else f"{actor.state.value.split('-')[-1]} {actor.obj}"
            out.append(f" {now[: now_width]}", style=STATE_STYLE[actor.state][1])
        return out


class HeatmapWidget(_SnapshotWidget):
    """Locks by total wait time: the longer the bar, the hotter the lock."""

    def _grows(self, snapshot: VisSnapshot) -> bool:
        return True

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.snapshot.locks))

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

    def _grows(self, snapshot: VisSnapshot) -> bool:
        return True

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.snapshot.queues) + (1 if self.snapshot.memory else 0))

    def render(self) -> Text:
        snap = self.snapshot
        width = self.size.width or 60
        spark_width = max(4, width - 32)
        out = Text(no_wrap=True, overflow="ellipsis")
        rows = 0
        for queue in snap.queues:
            if rows:
                out.append("\n")
            out.append(f"{queue.name[:14]:<14} ", style="bold")
            out.append(sparkline(queue.history, spark_width), style="cyan")
            out.append(f" depth {queue.depth} (peak {queue.peak})"[:16])
            rows += 1
        if snap.memory:
            if rows:
                out.append("\n")
            out.append(f"{'memory (RSS)':<14} ", style="bold")
            out.append(sparkline(snap.memory, spark_width, from_min=True), style="magenta")
            out.append(f" {snap.memory[-1] / 2**20:.1f} MiB")
            rows += 1
        return out if rows else Text("no queues yet", style="dim")
