"""Visualizer widgets: a lane per thread, a lock heatmap, queue/memory sparklines.

Each widget holds the latest immutable :class:`VisSnapshot` in a plain attribute set on the UI
thread by the screen's timer, and renders it downsampled to its current width.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import repeat
from operator import itemgetter
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from evaluator.state import ActorState, ActorView, VisSnapshot

__all__ = ["HeatmapWidget", "LanesWidget", "SparklinesWidget", "sparkline"]

STATE_STYLE: dict[ActorState, tuple[str, str]] = {
    ActorState.RUNNING: ("█", "success"),
    ActorState.LOCK: ("▓", "error"),
    ActorState.QUEUE: ("▒", "warning"),
    ActorState.JOIN: ("░", "primary"),
    ActorState.EVENT: ("░", "accent"),
    ActorState.SLEEPING: ("─", "foreground"),
    ActorState.DONE: ("·", "foreground"),
}
"""State -> (glyph, theme colour). Not started is blank; done is a dim dot, so the two differ."""
_LEGEND = {
    ActorState.RUNNING: "run",
    ActorState.LOCK: "lock",
    ActorState.QUEUE: "queue",
    ActorState.JOIN: "join",
    ActorState.EVENT: "event",
    ActorState.SLEEPING: "sleep",
    ActorState.DONE: "done",
}
_PLAIN, _DIM, _BOLD = Style(), Style(dim=True), Style(bold=True)
"""Every segment carries a Style (never None): NO_COLOR's monochrome filter reads ``style.color``."""
_ALERT = Style(bold=True, reverse=True)
NAME_WIDTH = 8
BLOCKS = "▁▂▃▄▅▆▇█"


def state_styles(theme: object | None) -> dict[ActorState | None, Style]:
    """Lane styles from the app's theme colours (readable on light and dark themes)."""
    styles: dict[ActorState | None, Style] = {None: _PLAIN}
    for state, (_, key) in STATE_STYLE.items():
        color = getattr(theme, key, None) if theme is not None else None
        if key == "foreground" and color is None:
            color = getattr(theme, "foreground", None)
        try:
            style = Style(color=color) if color else Style()
        except Exception:  # an unparsable theme colour: fall back to no colour
            style = Style()
        if state in (ActorState.SLEEPING, ActorState.DONE):
            style += _DIM
        styles[state] = style
    return styles


_DEFAULT_STYLES = state_styles(None)
_TIME, _STATE = itemgetter(0), itemgetter(1)


def lane_cells(
    actor: ActorView, start_ns: int, end_ns: int, columns: int
) -> list[ActorState | None]:
    """The actor's state at the end of each of ``columns`` equal time slices (None: not started)."""
    return _cells(actor.transitions, _column_ends(start_ns, end_ns, columns))


def _column_ends(start_ns: int, end_ns: int, columns: int) -> list[int]:
    """When each column ends (the same for every lane of a frame, so computed once per frame)."""
    span = max(1, end_ns - start_ns)
    return [start_ns + span * (column + 1) // columns for column in range(columns)]


def _cells(
    transitions: tuple[tuple[int, ActorState], ...], ends: list[int]
) -> list[ActorState | None]:
    """The state in force at each column end: the last transition at or before it (transitions are
    in time order)."""
    split = _Split()
    split.update(transitions)
    return split.cells(ends)


class _Split:
    """An actor's transitions as separate times and states, kept across frames: a new snapshot
    usually only appends transitions, so only those are split (all C-level), and each column is
    one int bisection."""

    __slots__ = ("first", "last", "length", "second", "states", "times")

    def __init__(self) -> None:
        self.length = 0
        self.first: tuple[int, ActorState] | None = None
        self.second: tuple[int, ActorState] | None = None
        self.last: tuple[int, ActorState] | None = None
        self.times: list[int] = []
        self.states: list[ActorState | None] = [None]  # bisect_right's 0 (nothing yet) maps to None

    def update(self, transitions: tuple[tuple[int, ActorState], ...]) -> None:
        """Catch up with ``transitions``: append the new ones, or start over when the kept prefix
        changed (history thinning rewrites it; another actor at this row shares nothing)."""
        known = self.length
        if not (
            known
            and len(transitions) >= known
            and transitions[0] is self.first
            and transitions[known - 1] is self.last
            and (known < 2 or transitions[1] is self.second)
        ):
            known = 0
            self.times, self.states = [], [None]
        tail = transitions[known:] if known else transitions
        self.times.extend(map(_TIME, tail))
        self.states.extend(map(_STATE, tail))
        self.length = len(transitions)
        if transitions:
            self.first, self.last = transitions[0], transitions[-1]
            self.second = transitions[1] if len(transitions) > 1 else None

    def cells(self, ends: list[int]) -> list[ActorState | None]:
        return list(map(self.states.__getitem__, map(bisect_right, repeat(self.times), ends)))


def _runs(cells: list[ActorState | None]) -> list[tuple[ActorState | None, int]]:
    """Run-length encoding: one styled segment per run of equal cells keeps rendering cheap."""
    runs: list[tuple[ActorState | None, int]] = []
    for cell in cells:
        if runs and runs[-1][0] is cell:
            runs[-1] = (cell, runs[-1][1] + 1)
        else:
            runs.append((cell, 1))
    return runs


def _run_segment(cell: ActorState | None, length: int, styles: dict[object, Style]) -> Segment:
    char = STATE_STYLE[cell][0] if cell is not None else " "
    return Segment(char * length, styles.get(cell, _PLAIN))


def sparkline(values: tuple[int, ...], width: int, *, from_min: bool = False) -> str:
    """``values`` resampled to ``width`` block characters (max of each bucket), scaled from zero
    (``from_min`` scales from the lowest value instead)."""
    if not values or width <= 0:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = tuple(
            max(values[int(i * step) : max(int(i * step) + 1, int((i + 1) * step))])
            for i in range(width)
        )
    floor = min(values) if from_min else 0
    top = (max(values) - floor) or 1
    return "".join(
        BLOCKS[min(len(BLOCKS) - 1, (v - floor) * (len(BLOCKS) - 1) // top)] for v in values
    )


def time_sparkline(
    samples: tuple[tuple[int, int], ...], start_ns: int, end_ns: int, width: int
) -> str:
    """(ts, value) samples drawn per time: each column is an equal slice of [start, end] showing the
    last value known at its end (blank before the first sample), scaled from zero."""
    if not samples or width <= 0:
        return ""
    times = [ts for ts, _ in samples]
    top = max(v for _, v in samples) or 1
    span = max(1, end_ns - start_ns)
    out = []
    for column in range(width):
        index = bisect_right(times, start_ns + span * (column + 1) // width)
        if not index:
            out.append(" ")
            continue
        value = samples[index - 1][1]
        out.append(BLOCKS[min(len(BLOCKS) - 1, value * (len(BLOCKS) - 1) // top)])
    return "".join(out)


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells (an ellipsis marks a cut)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        text = text[: max(0, width - 1)] + "…"
        while cell_len(text) > width:
            text = text[:-2] + "…"
    return text + " " * (width - cell_len(text))


def lane_name(name: str, width: int) -> str:
    """An actor's name in ``width`` cells. A dotted name (anyio names a task after its function's
    module path) keeps its end, which tells tasks apart: ``…anyio._job``, not ``examples.ex1…``."""
    if "." in name and cell_len(name) > width > 1:
        tail = name[-(width - 1) :]
        return fit("…" + tail, width)
    return fit(name, width)


def name_width(names: list[str], width: int) -> int:
    """Room for the longest name, between NAME_WIDTH and a quarter of the screen."""
    longest = max((cell_len(n) for n in names), default=0) + 1
    return max(NAME_WIDTH, min(longest, max(NAME_WIDTH, width // 4)))


_ON_BASE: dict[tuple[int, Style], dict[object, Style]] = {}
"""(lane styles id, the widget's base style) -> every style a row uses, already on that base."""


def _on_base(styles: dict[ActorState | None, Style], base: Style) -> dict[object, Style]:
    """The lane styles (keyed by state) and name styles (keyed by Style) combined with ``base``
    (the widget's background and colour) once, so rows need no per-segment style addition."""
    key = (id(styles), base)
    combined = _ON_BASE.get(key)
    if combined is None:
        if len(_ON_BASE) > 64:
            _ON_BASE.clear()
            _RUN_SEGMENTS.clear()  # keyed by the ids of the dicts just dropped
        combined = _ON_BASE[key] = {state: base + style for state, style in styles.items()}
        combined.update({style: base + style for style in (_PLAIN, _DIM, _BOLD, _ALERT)})
    return combined


class _LaneFrame:
    """Per-frame layout of the lanes, shared by every row: widths, the columns' end times, styles."""

    __slots__ = ("ends", "name_width", "now_width", "snapshot", "styles")

    def __init__(
        self,
        snapshot: VisSnapshot,
        width: int,
        styles: dict[ActorState | None, Style],
        base: Style = _PLAIN,
    ) -> None:
        self.snapshot = snapshot
        self.styles = _on_base(styles, base)
        self.now_width = 22 if width >= 70 else 12
        self.name_width = name_width([a.name for a in snapshot.actors], width)
        columns = max(4, width - self.name_width - self.now_width - 1)
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


_RUN_SEGMENTS: dict[tuple[int, ActorState | None, int], Segment] = {}
"""(styles id, state, run length) -> its segment. Segments are immutable, so every lane and frame
shares them: a flood of events then allocates no new segments for the lanes, which keeps the
garbage collector's full collections rare. Bounded by themes x states x the widest lane."""


class LanesWidget(_SnapshotWidget):
    """One row per thread/task: its state over the run, then what it is doing now.

    Uses Textual's line API: each frame builds one :class:`Strip` per row from pre-made styles
    (run-length encoded), and Textual asks only for the rows on screen.
    """

    highlighted: frozenset[str] = frozenset()
    """Actors drawn in reverse video (e.g. a deadlock cycle)."""
    _strips: dict[int, Strip]
    _splits: dict[int, _Split]
    """Row -> its actor's split transitions, kept across frames."""
    _built_for: tuple[int, int, frozenset[str], int] = (-1, -1, frozenset(), 0)
    _frame: _LaneFrame | None = None
    _theme_styles: tuple[object, dict[ActorState | None, Style]] = (None, _DEFAULT_STYLES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splits = {}

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.actors) + 1

    def show(self, snapshot: VisSnapshot) -> None:
        self._built_for = (-1, -1, frozenset(), 0)
        self._frame_styles = self.styles_for_theme()  # once per frame, not per row
        super().show(snapshot)

    _frame_styles: dict[ActorState | None, Style] = _DEFAULT_STYLES
    _theme_name: object = None

    def styles_for_theme(self) -> dict[ActorState | None, Style]:
        """The lane styles for the app's current theme (recomputed when the theme changes)."""
        try:
            theme = self.app.current_theme
        except Exception:  # not mounted in an app (tests rendering the widget alone)
            theme = None
        if self._theme_styles[0] is not theme:
            self._theme_styles = (theme, state_styles(theme))
        return self._theme_styles[1]

    def render_line(self, y: int) -> Strip:
        """Rows are built lazily (only those on screen) and kept until the snapshot or width changes."""
        width = self.size.width
        theme_name = getattr(self.app, "theme", None) if self.is_attached else None
        if (
            theme_name != self._theme_name
        ):  # the learner switched theme: restyle without a new frame
            self._theme_name = theme_name
            self._frame_styles = self.styles_for_theme()
        styles = self._frame_styles
        key = (id(self.snapshot), width, self.highlighted, id(styles))
        frame = self._frame
        if frame is None or self._built_for != key:
            # The widget's own background and colour under every segment: without it the line API
            # leaves the terminal's default background (a dark block on a light theme).
            base = self.rich_style if self.is_attached else _PLAIN
            frame = self._frame = _LaneFrame(self.snapshot, width, styles, base)
            self._strips = {}
            self._built_for = key
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._row(frame, y, width)
        return strip

    def _build(self, width: int) -> list[Strip]:
        frame = _LaneFrame(self.snapshot, width, self.styles_for_theme())
        return [self._row(frame, y, width) for y in range(max(1, len(self.snapshot.actors) + 1))]

    def _row(self, frame: _LaneFrame, y: int, width: int) -> Strip:
        snap = frame.snapshot
        styles = frame.styles
        plain = styles[_PLAIN]
        if not snap.actors:
            if y == 0:
                return Strip(
                    [Segment(fit("waiting for the first thread…", width), styles[_DIM])], width
                )
            return Strip.blank(width, plain)
        if y == 0:
            legend: list[Segment] = []
            for state, label in _LEGEND.items():
                legend += [
                    Segment(STATE_STYLE[state][0], styles[state]),
                    Segment(f"{label} ", plain),
                ]
            legend.append(Segment("(blank: not started)", styles[_DIM]))
            return Strip(legend).crop(0, width).extend_cell_length(width, plain)
        if y > len(snap.actors):
            return Strip.blank(width, plain)
        actor = snap.actors[y - 1]
        split = self._splits.get(y)
        if split is None:
            split = self._splits[y] = _Split()
        split.update(actor.transitions)
        name_style = styles[_ALERT if actor.name in self.highlighted else _BOLD]
        name = lane_name(actor.name, frame.name_width - 1) + " "
        segments = [Segment(name, name_style)]
        theme_id = id(styles)
        for cell, length in _runs(split.cells(frame.ends)):
            run_key = (theme_id, cell, length)
            segment = _RUN_SEGMENTS.get(run_key)
            if segment is None:
                if len(_RUN_SEGMENTS) > 20_000:
                    _RUN_SEGMENTS.clear()
                segment = _RUN_SEGMENTS[run_key] = _run_segment(cell, length, styles)
            segments.append(segment)
        now = (
            actor.state.value
            if actor.obj is None
            else f"{actor.state.value.split('-')[-1]} {actor.obj}"
        )
        now = " " + fit(now, frame.now_width)
        segments.append(Segment(now, styles[actor.state]))
        # Every run character is one cell wide: the row's length is known without measuring segments.
        return Strip(segments, cell_len(name) + len(frame.ends) + cell_len(now)).crop(0, width)

    def render(self) -> Text:
        """Plain-text rendering of the current rows (for tests and exports)."""
        return Text("\n".join(strip.text for strip in self._build(self.size.width or 80)))


SUFFIX = 24
"""Cells for a heatmap row's numbers (wait time, acquisitions, owner)."""


class HeatmapWidget(_SnapshotWidget):
    """Locks by total wait time (waits still going on count up to now): the longer, the hotter.

    Every row is exactly the widget's width: name, bar, numbers — never wrapped or clipped.
    """

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.locks)

    def rows(self, width: int) -> list[Text]:
        locks = sorted(self.snapshot.locks, key=lambda lock: lock.wait_ns, reverse=True)
        hottest = max((lock.wait_ns for lock in locks), default=0) or 1
        label = name_width([lock.name for lock in locks], width)
        bar_width = max(1, width - label - SUFFIX - 1)
        rows = []
        for lock in locks:
            heat = lock.wait_ns / hottest
            color = "red" if heat > 0.66 else "yellow" if heat > 0.33 else "green"
            filled = round(bar_width * heat)
            row = Text(no_wrap=True, overflow="crop")
            row.append(fit(lock.name, label - 1) + " ", style="bold")
            row.append("█" * filled + "·" * (bar_width - filled), style=color)
            owner = f" ← {lock.owner}" if lock.owner else ""
            row.append(fit(f" {_ms(lock.wait_ns)} ×{lock.acquisitions}{owner}", SUFFIX + 1))
            row.truncate(width)
            rows.append(row)
        return rows

    def render(self) -> Text:
        if not self.snapshot.locks:
            return Text("no locks yet", style="dim")
        return Text("\n", no_wrap=True).join(self.rows(self.size.width or 60))


def _ms(ns: int) -> str:
    ms = ns / 1e6
    return f"{ms:7.1f}ms" if ms < 10_000 else f"{ms / 1000:7.1f}s "


class SparklinesWidget(_SnapshotWidget):
    """Queue depths (per operation) and memory (per time, scaled from zero)."""

    def _rows(self, snapshot: VisSnapshot) -> int:
        return len(snapshot.queues) + (1 if snapshot.memory else 0)

    def render(self) -> Text:
        snap = self.snapshot
        width = self.size.width or 60
        label = name_width([q.name for q in snap.queues] + ["memory (RSS)"], width)
        spark_width = max(4, width - label - SUFFIX)
        lines = []
        for queue in snap.queues:
            row = Text(no_wrap=True, overflow="crop")
            row.append(fit(queue.name, label - 1) + " ", style="bold")
            row.append(sparkline(queue.history, spark_width), style="cyan")
            row.append(fit(f" depth {queue.depth} (peak {queue.peak})", SUFFIX))
            lines.append(row)
        if snap.memory:
            row = Text(no_wrap=True, overflow="crop")
            row.append(fit("memory (RSS)", label - 1) + " ", style="bold")
            row.append(
                time_sparkline(snap.memory, snap.start_ns, snap.now_ns, spark_width),
                style="magenta",
            )
            peak = max(v for _, v in snap.memory)
            row.append(fit(f" {snap.memory[-1][1] / 2**20:.1f} MiB (0-{peak / 2**20:.1f})", SUFFIX))
            lines.append(row)
        for row in lines:
            row.truncate(width)
        return Text("\n", no_wrap=True).join(lines) if lines else Text("no queues yet", style="dim")
