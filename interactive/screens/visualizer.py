"""Watch a program run: lanes, lock heatmap, sparklines, detector overlay; pause/step/replay.

The run happens in a child process (:class:`LiveRun`); a timer polls its immutable snapshot
~15 times a second and skips frames when nothing changed. Pausing freezes the picture while
events keep arriving; stepping replays the recorded events one at a time from the pause point
(Home rewinds to the start); R replays the recorded run exactly, from its first kept event, at
its recorded pace compressed to a few seconds (the same events in the same order: rerunning
real threads could not promise that); N starts a new run with a new seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from evaluator.events import Event, EventKind
from evaluator.findings import GradeResult
from evaluator.state import Fold, VisSnapshot, deadlock_cycle
from interactive.services import Services
from interactive.visualizer.runner import LiveRun, Target
from interactive.widgets.interleaving import interleaving, race_finding
from interactive.widgets.lanes import HeatmapWidget, LanesWidget, SparklinesWidget
from interactive.widgets.spacetime import SpaceTimeWidget

__all__ = ["RunLike", "VisualizePickerScreen", "VisualizerScreen"]

FRAME_SECONDS = 1 / 30
REPLAY_FRAMES = 120
"""A replay takes about this many frames (4 s), whatever the run's length."""


class RunLike(Protocol):
    """What the screen needs from a run (LiveRun, or a fake in tests and benchmarks)."""

    seed: int
    killed: bool

    @property
    def finished(self) -> bool: ...
    @property
    def returncode(self) -> int | None: ...
    def snapshot(self) -> VisSnapshot: ...
    def recorded(self) -> tuple[Event, ...]: ...
    def errors(self, lines: int = 6) -> str: ...
    def stop(self) -> None: ...


RunFactory = Callable[[int], RunLike]


def _describe(event: Event | None) -> str:
    if event is None:
        return ""
    if event.kind is EventKind.MARK and event.detail:
        return event.detail
    if event.kind is EventKind.MESSAGE:
        return f"{event.ts_ns / 1e6:.0f}ms {event.actor} → {event.obj}: {event.detail}"
    where = f" @ {event.location}" if event.location else ""
    obj = f" {event.obj}" if event.obj else ""
    return f"#{event.seq} {event.actor}: {event.kind.value}{obj}{where}"


_QUIET_ACTORS = frozenset({"sampler", "visualizer"})
"""Stepping passes over memory samples and the visualizer's own marks (applied, not stopped at)."""


def _quiet(event: Event) -> bool:
    return event.kind is EventKind.MEMORY or (
        event.kind is EventKind.MARK and event.actor in _QUIET_ACTORS
    )


def _short(path: Path) -> str:
    """A path for the title bar: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class VisualizerScreen(Screen[None]):
    """Live view of one instrumented run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("q", "app.pop_screen", "Back", show=False),
        # Priority: the scrolling body must not swallow them (Home would scroll instead of rewind).
        Binding("space", "pause", "Pause", priority=True),
        Binding("space", "resume", "Resume", priority=True),
        Binding("s", "step", "Step", priority=True),
        Binding("home", "rewind", "Rewind", priority=True),
        Binding("R", "replay", "Replay", priority=True),
        Binding("N", "new_seed", "New run", priority=True, show=False),
        Binding("plus", "zoom(2)", "Zoom", key_display="+"),
        Binding("o", "toggle_original", "Original/yours", show=False),
        Binding("minus", "zoom(0.5)", "Zoom out", key_display="-", show=False),
    ]

    def __init__(
        self,
        kind: str,
        number: int | str,
        *,
        seed: int | None = None,
        run_factory: RunFactory | None = None,
        file: Path | None = None,
        last_grade: GradeResult | None = None,
    ) -> None:
        super().__init__()
        self.last_grade = last_grade
        """The learner's last grade of this challenge: a race's interleaving is shown from it."""
        self.target = Target(kind, str(number), file)
        self.seed = seed if seed is not None else random.randrange(1_000_000)
        self.run_factory: RunFactory = run_factory or (
            lambda s: LiveRun(self.target, seed=s).start()
        )
        self.run: RunLike | None = None
        self.paused = False
        self.frames = 0
        self._last_key: tuple[int, bool] | None = None
        self._replay: Fold | None = None
        self._cursor = 0
        self._recorded: tuple[Event, ...] = ()
        self._overlay_text = ""
        self._playback: tuple[int, int] | None = None
        """While R replays: (the recorded timestamp drawn up to, nanoseconds per frame)."""
        self._simulated = False
        """A simulated world (challenges 9-16): the space-time diagram replaces thread lanes."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="vis-status")
        yield Static(id="vis-overlay")
        with VerticalScroll(id="vis-body"):
            yield Static(
                "[b]Simulated world[/b] (virtual time: s steps through it, + zooms on the violation)",
                classes="vis-heading sim",
            )
            yield SpaceTimeWidget(id="spacetime", classes="sim")
            yield Static(id="vis-race", classes="threads")
            yield Static("[b]Threads & tasks[/b]", classes="vis-heading threads")
            yield LanesWidget(id="lanes", classes="threads")
            yield Static(
                "[b]Lock contention[/b] (total wait, ongoing waits included)",
                classes="vis-heading threads",
            )
            yield HeatmapWidget(id="heatmap", classes="threads")
            yield Static("[b]Queues & memory[/b]", classes="vis-heading threads")
            yield SparklinesWidget(id="sparks", classes="threads")
        yield Footer(compact=True)  # + Zoom (simulated worlds) and ? Help both fit 80 columns

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show Pause while live and Resume while paused (one key, two labels)."""
        if action == "pause":
            return not self.paused
        if action == "resume":
            return self.paused
        if action == "zoom":
            return self._simulated
        if action == "toggle_original":
            return self.target.kind == "challenge"
        return True

    def action_toggle_original(self) -> None:
        """Run the original broken program instead of the learner's copy, or back (challenges)."""
        from challenges import get_challenge

        original = get_challenge(int(self.target.name)).program_path
        running_original = self.target.program() == original
        target = Target(self.target.kind, self.target.name, None if running_original else original)
        if running_original and target.program() == original:
            self.notify(
                f"You have no copy of challenge {self.target.name} yet: e on its challenge screen "
                "makes one. Still running the original.",
                severity="warning",
            )
            return
        self.target = target
        self._show_program()
        self._start()

    def action_zoom(self, factor: float) -> None:
        """Zoom the space-time diagram around the violation (or the end of the run)."""
        widget = self.query_one(SpaceTimeWidget)
        widget.zoom = max(1, min(256, int(widget.zoom * factor)))
        widget.refresh()
        self.notify(f"zoom ×{widget.zoom}", timeout=1.5)

    def action_pause(self) -> None:
        if not self.paused:
            self.action_toggle_pause()

    def action_resume(self) -> None:
        if self.paused:
            self.action_toggle_pause()

    def on_mount(self) -> None:
        race = race_finding(self.last_grade)
        panel = self.query_one("#vis-race", Static)
        panel.display = race is not None
        if race is not None:
            panel.update(interleaving(race, int(self.target.name)))
        self._show_program()
        self._start()
        self.frame_timer = self.set_interval(FRAME_SECONDS, self.refresh_frame)

    def _show_program(self) -> None:
        """Say which file runs (challenges: the learner's copy, the original, or --file; o switches),
        short enough for an 80-column header (the full path is in the notification)."""
        self.sub_title = f"visualize {self.target}"
        if self.target.kind != "challenge":
            return
        from challenges import get_challenge

        try:
            program, original = (
                self.target.program(),
                get_challenge(int(self.target.name)).program_path,
            )
        except Exception:  # an unknown challenge in tests: the run reports it
            return
        if program is None:
            return
        # "visualize" would not fit 80 columns with the file and the o key.
        if program == original and self.target.file is None:
            self.sub_title = f"{self.target} · original (no copy yet)"
        elif program == original:
            self.sub_title = f"{self.target} · original · o: yours"
        else:
            label = "your copy" if self.target.file is None else program.name
            self.sub_title = f"{self.target} · {label} · o: original"
        self.notify(f"Running {_short(program)}", timeout=4)

    def on_unmount(self) -> None:
        if self.run is not None:
            self.run.stop()

    @property
    def replaying(self) -> bool:
        """R's playback of the recorded run is in progress."""
        return self._playback is not None

    def _start(self) -> None:
        if self.run is not None:
            self.run.stop()
        self.paused, self._replay, self._last_key, self._playback = False, None, None, None
        self.refresh_bindings()
        self.run = self.run_factory(self.seed)
        self.refresh_frame()

    def refresh_frame(self) -> None:
        """Timer tick: draw the newest snapshot unless paused or nothing changed (coalescing)."""
        run = self.run
        if self._playback is not None:
            self._advance_playback()
            return
        if run is None or self.paused:
            return
        snapshot = run.snapshot()
        key = (snapshot.events, run.finished)
        if key == self._last_key:
            return
        self._last_key = key
        self._draw(snapshot, self._status(run, snapshot))

    def _status(self, run: RunLike, snapshot: VisSnapshot) -> str:
        seconds = (snapshot.now_ns - snapshot.start_ns) / 1e9
        state = "[green]● running[/]"
        if run.finished:
            state = (
                "[red]✗ killed at the deadline[/]"
                if run.killed
                else f"[b]■ finished[/] (exit {run.returncode})"
            )
        return (
            f"{state}  seed [b]{run.seed}[/]  {snapshot.events:,} events  {seconds:.2f}s  "
            f"{len(snapshot.actors)} threads"
        )

    def _draw(self, snapshot: VisSnapshot, status: str) -> None:
        self.frames += 1
        simulated = bool(snapshot.messages) or self._simulated
        if simulated != self._simulated:
            self._simulated = simulated
            self.refresh_bindings()
        self.set_class(simulated, "-simulated")
        if simulated:
            self.query_one(SpaceTimeWidget).show(snapshot)
        cycle = deadlock_cycle(snapshot)
        lanes = self.query_one(LanesWidget)
        lanes.highlighted = frozenset(cycle)
        lanes.show(snapshot)
        self.query_one(HeatmapWidget).show(snapshot)
        self.query_one(SparklinesWidget).show(snapshot)
        # The status line is one row high: its size cannot change, so no layout pass for it.
        self.query_one("#vis-status", Static).update(status, layout=False)
        overlay = self.query_one("#vis-overlay", Static)
        alerts = []
        if cycle:
            alerts.append(
                "DEADLOCK: "
                + " → ".join((*cycle, cycle[0]))
                + " (each waits for a lock the next holds)"
            )
        alerts.extend(snapshot.findings[-3:])
        run = self.run
        if run is not None and run.finished and run.returncode not in (0, None) and not alerts:
            alerts.append(run.errors(lines=2) or f"the program exited with {run.returncode}")
        text = "\n".join(f"⚠ {a}" for a in alerts)
        if text != self._overlay_text:  # unchanged alerts: no re-render and no layout pass
            self._overlay_text = text
            overlay.update(Text(text))
        overlay.set_class(bool(alerts), "alert")

    def _base(self) -> tuple[Fold, int]:
        """Where a rewind starts: the fold before it and its index in the recorded events (old
        events fall off a long run's ring buffer; the run keeps exact checkpoints)."""
        base = getattr(self.run, "history_base", None)
        if base is None:
            return Fold(), 0
        fold, start = base()
        return fold, start

    def action_toggle_pause(self) -> None:
        if self._playback is not None:  # space during a replay freezes it where it is (s steps on)
            self._playback = None
            self.query_one("#vis-status", Static).update(
                f"[yellow]❚❚ replay paused[/] at {self._cursor:,}/{len(self._recorded):,} · s steps · "
                "Home rewinds · space: live"
            )
            return
        self.paused = not self.paused
        self.refresh_bindings()
        if self.paused and self.run is not None:
            self._recorded = self.run.recorded()
            self._cursor = len(self._recorded)
            self._replay = None
            self.query_one("#vis-status", Static).update(
                f"[yellow]❚❚ paused[/] at event {self._cursor:,}: s steps, Home rewinds, space resumes"
            )
        else:
            self._last_key = None
            self.refresh_frame()

    def action_rewind(self) -> None:
        """Replay the recorded run from its first kept event (pauses)."""
        self._playback = None
        if not self.paused:
            self.action_toggle_pause()
        self._replay, self._cursor = self._base()
        dropped = getattr(self.run, "dropped", 0) + self._cursor
        note = (
            f" (from event {dropped:,}: the {dropped:,} before are summarized, a long run keeps the last "
            f"{len(self._recorded) - self._cursor:,})"
            if dropped
            else ""
        )
        self._draw(
            self._replay.snapshot(),
            f"[yellow]⏮ rewound[/]: press s to step through the recorded run{note}",
        )

    def action_step(self) -> None:
        """Apply recorded events up to and including the next one a thread or task did."""
        self._playback = None
        if not self.paused:
            self.action_toggle_pause()
        event: Event | None = None
        if self.run is not None and self._cursor >= len(self._recorded):
            self._recorded = self.run.recorded()  # events that arrived since the pause
        if self._replay is None:
            self._replay, start = self._base()
            for event in self._recorded[start : self._cursor]:
                self._replay.apply(event)
        if self._cursor >= len(self._recorded):
            if self.run is None or not self.run.finished or not self._recorded:
                self.notify(
                    "No new events yet: space resumes the live view, Home rewinds to the start."
                )
                return
            self._replay, self._cursor = (
                self._base()
            )  # a finished run, paused at its end: step from the start
            self.notify("Stepping from the first event (Home rewinds, space resumes).")
        while True:
            event = self._recorded[self._cursor]
            self._replay.apply(event)
            self._cursor += 1
            if not _quiet(event) or self._cursor >= len(self._recorded):
                break
        self._draw(
            self._replay.snapshot(),
            f"[yellow]step[/] {self._cursor:,}/{len(self._recorded):,}  {_describe(event)}",
        )

    def action_replay(self) -> None:
        """Play the recorded run again from its first kept event: the same events, in order."""
        if self.run is None or not self.run.recorded():
            self.notify("Nothing recorded yet to replay.")
            return
        if not self.paused:
            self.action_toggle_pause()
        self._recorded = self.run.recorded()
        self._replay, self._cursor = self._base()
        events = self._recorded[self._cursor :]
        stamps = [event.ts_ns for event in events]
        first, last = (min(stamps), max(stamps)) if stamps else (0, 0)
        self._playback = (first - 1, max(1, (last - first) // REPLAY_FRAMES + 1))
        self._draw(
            self._replay.snapshot(),
            f"[cyan]▶ replay[/] seed [b]{self.run.seed}[/]  0/{len(events):,} events",
        )

    def _advance_playback(self) -> None:
        """One replay frame: apply the recorded events up to the next slice of recorded time."""
        assert self._playback is not None and self._replay is not None
        drawn_to, per_frame = self._playback
        until = drawn_to + per_frame
        recorded, start = self._recorded, self._cursor
        while self._cursor < len(recorded) and recorded[self._cursor].ts_ns <= until:
            self._replay.apply(recorded[self._cursor])
            self._cursor += 1
        done = self._cursor >= len(recorded)
        self._playback = None if done else (until, per_frame)
        if self._cursor == start and not done:
            return  # a quiet stretch of the run: nothing new to draw
        status = f"[cyan]▶ replay[/]  {self._cursor:,}/{len(recorded):,} events"
        if done:
            status = (
                f"[b]■ replayed[/] {len(recorded):,} events exactly · s steps · Home rewinds · "
                "space: live"
            )
        self._draw(self._replay.snapshot(), status)

    def action_new_seed(self) -> None:
        """Run the program again with a new seed (a new run: thread timing differs)."""
        self.seed = random.randrange(1_000_000)
        self._start()
        self.notify(f"New run with seed {self.seed}.")


def _entry(label: str, title: str) -> Table:
    """A picker row: the label, then the title; a long title wraps under itself, not the label."""
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(width=12, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(label, title)
    return grid


class VisualizePickerScreen(Screen[None]):
    """Choose a lesson or challenge to watch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("q", "app.pop_screen", "Back", show=False),
        Binding("enter", "open", "Open", priority=True),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Pick a program to run with instrumentation and watch live (Enter).", id="picker-intro"
        )
        options = [
            Option(_entry(f"Lesson {n:>2}", title), id=f"example:{n}")
            for n, title in self.services.examples()
        ]
        options += [
            Option(_entry(f"Challenge {c.number:>2}", c.title), id=f"challenge:{c.number}")
            for c in self.services.challenges()
        ]
        yield OptionList(*options, id="picker")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "visualize"
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, number = str(event.option.id).split(":")
        self.app.open_visualizer(kind, int(number))  # type: ignore[attr-defined]

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            kind, number = str(options.get_option_at_index(options.highlighted).id).split(":")
            self.app.open_visualizer(kind, int(number))  # type: ignore[attr-defined]
