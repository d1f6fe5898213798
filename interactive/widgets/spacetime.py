"""A space-time diagram of a simulated world: a lane per node, messages as arrows, faults marked.

Time runs left to right on the world's virtual clock; each row is a node or a service. A
message is drawn from its sender (``●`` when sent, ``×`` when the network dropped it) to its
receiver (``▼``/``▲`` where it arrived, with ``│`` crossing the lanes in between). Paused
nodes draw ``┄``, crashed ones ``✗`` then nothing until a restart, and the grader's violation is
a column of ``!`` with its time on the axis.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from evaluator.state import ActorState, VisSnapshot
from interactive.widgets.lanes import _SnapshotWidget, fit, lane_cells, name_width

__all__ = ["SpaceTimeWidget", "diagram", "window"]

_BASE = {ActorState.SLEEPING: "┄", ActorState.DONE: " "}
_STYLE = {
    "─": Style(dim=True),
    "┄": Style(color="yellow"),
    "●": Style(color="cyan"),
    "▼": Style(color="cyan", bold=True),
    "▲": Style(color="cyan", bold=True),
    "│": Style(color="cyan", dim=True),
    "×": Style(color="red", bold=True),
    "✗": Style(color="red", bold=True),
    "!": Style(color="red", bold=True, reverse=True),
    " ": Style(),
}
_BACKGROUND = {"─", "┄", " "}
LEGEND = "● sent  ▼▲ arrived  × dropped  ┄ paused  ✗ crashed  ! violation"


def window(snapshot: VisSnapshot, zoom: int) -> tuple[int, int]:
    """The time range shown at ``zoom`` (1: the whole run; 2: half of it, ...), centred on the
    latest violation (or the end of the run) and kept inside the run."""
    start, end = snapshot.start_ns, max(snapshot.now_ns, snapshot.start_ns + 1)
    if zoom <= 1:
        return start, end
    span = max(1, (end - start) // zoom)
    focus = snapshot.alerts[-1][0] if snapshot.alerts else end
    low = min(max(start, focus - span // 2), end - span)
    return low, low + span


def diagram(snapshot: VisSnapshot, width: int, zoom: int = 1) -> list[Text]:
    """The diagram's rows (each exactly ``width`` cells): lanes, then the time axis and legend."""
    actors = snapshot.actors
    label = name_width([a.name for a in actors], width)
    columns = max(8, width - label)
    start, end = window(snapshot, zoom)
    span = end - start

    def column(ts: int) -> int:
        return min(columns - 1, max(0, (ts - start) * columns // span))

    def visible(ts: int) -> bool:
        return start <= ts <= end

    index_of = {a.name: index for index, a in enumerate(actors)}
    grid: list[list[str]] = []
    for actor in actors:
        cells = lane_cells(actor, start, end, columns)
        line = [" " if cell is None else _BASE.get(cell, "─") for cell in cells]
        for previous, current in zip(range(columns - 1), range(1, columns), strict=False):
            if cells[current] is ActorState.DONE and cells[previous] not in (ActorState.DONE, None):
                line[current] = "✗"
        grid.append(line)
    for message in snapshot.messages:
        source, target = index_of.get(message.source), index_of.get(message.target)
        if source is None or not (visible(message.sent_ns) or visible(message.arrived_ns)):
            continue
        sent = column(message.sent_ns)
        if message.lost or target is None:
            grid[source][sent] = "×"
            continue
        arrived = column(message.arrived_ns)
        if grid[source][sent] in _BACKGROUND:
            grid[source][sent] = "●"
        step = 1 if target > source else -1
        for lane in range(source + step, target, step):
            if grid[lane][arrived] in _BACKGROUND:
                grid[lane][arrived] = "│"
        grid[target][arrived] = "▼" if target > source else "▲"
    violations = [(column(ts), text) for ts, text in snapshot.alerts if visible(ts)]
    for at, _ in violations:
        for line in grid:
            line[at] = "!"
    out: list[Text] = []
    for actor, line in zip(actors, grid, strict=True):
        row = Text(no_wrap=True, overflow="crop")
        row.append(fit(actor.name, label - 1) + " ", style="bold")
        _append_runs(row, line)
        out.append(row)
    axis = [" "] * columns
    note = ""
    for at, text in violations[-1:]:
        axis[at] = "^"
        note = text
    ms_end = f"{(end - snapshot.start_ns) / 1e6:.0f}ms"
    axis_text = Text(no_wrap=True, overflow="crop")
    axis_text.append(fit(f"t={(start - snapshot.start_ns) / 1e6:.0f}ms", label), style="dim")
    axis_text.append("".join(axis[: max(0, columns - len(ms_end))]) + ms_end, style="dim")
    out.append(axis_text)
    if note:
        out.append(Text(fit(note, width), style="bold red", no_wrap=True, overflow="crop"))
    out.append(Text(fit(LEGEND, width), style="dim", no_wrap=True, overflow="crop"))
    return out


def _append_runs(row: Text, cells: list[str]) -> None:
    """Append ``cells`` grouping equal characters' styles into runs (few spans per row)."""
    run_start = 0
    for index in range(1, len(cells) + 1):
        if index == len(cells) or _STYLE.get(cells[index], Style()) != _STYLE.get(
            cells[run_start], Style()
        ):
            chunk = "".join(cells[run_start:index])
            row.append(chunk, style=_STYLE.get(cells[run_start], Style()))
            run_start = index


class SpaceTimeWidget(_SnapshotWidget):
    """The simulated world's space-time diagram (shown for challenges 9-16); ``+``/``-`` zoom."""

    zoom = 1

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.actors) + 2 + (1 if snapshot.alerts else 0)

    def render(self) -> Text:
        if not self.snapshot.actors:
            return Text("simulating…", style="dim")
        return Text("\n", no_wrap=True).join(
            diagram(self.snapshot, self.size.width or 80, self.zoom)
        )
