"""One challenge: its story, the learner's file, and grading in a worker thread."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, Static

from evaluator.findings import GradeResult
from interactive.services import ChallengeView, Services
from interactive.widgets.findings import grade_renderable
from usererror import UserError

__all__ = ["ChallengeDetailScreen"]


SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class ChallengeDetailScreen(Screen[None]):
    """Read the story, edit the file, press g to grade (the UI stays responsive)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("g", "grade", "Grade"),
        Binding("e", "edit", "Edit", show=False),
        Binding("v", "visualize", "Visualize", show=False),
        Binding("h", "hint", "Hint"),
        Binding("r", "run", "Run"),
        Binding("w", "watch", "Watch"),
        Binding("s", "solutions", "Solution"),
        Binding("x", "reset", "Reset", show=False),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
    ]

    def __init__(self, services: Services, challenge: ChallengeView) -> None:
        super().__init__()
        self.services = services
        self.challenge = challenge
        self._started = 0.0
        self._spinner: Timer | None = None
        self._watch: Timer | None = None
        self._watched_mtime: float | None = None
        self._reset_armed = 0.0
        self._init_armed = 0.0

    @property
    def grading(self) -> bool:
        """Whether this challenge is being graded (the grading belongs to the app, not this screen)."""
        return self.challenge.number in getattr(self.app, "grading", set())

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="detail"):
            yield Static(id="detail-title")
            yield Static(id="detail-path")
            with VerticalScroll(id="story-pane"):
                yield Markdown(id="story")
            with VerticalScroll(id="result-pane"):
                yield Static("[dim]Press g to grade your fix.[/]", id="result")
        yield Footer()

    def on_mount(self) -> None:
        challenge = self.challenge
        self.sub_title = f"challenge {challenge.number}"
        concepts = ", ".join(challenge.concepts)
        self.query_one("#detail-title", Static).update(
            f"[b]{challenge.number}. {challenge.title}[/b]  {'★' * challenge.difficulty}  [dim]{concepts}[/]"
        )
        self._show_path()
        try:
            story = challenge.story_path.read_text(encoding="utf-8")
        except OSError:
            story = f"{challenge.summary}\n\n*(story file missing: {challenge.story_path.name})*"
        self.query_one("#story", Markdown).update(story)
        self.query_one("#story-pane").focus()
        if self.grading:
            self._start_spinner()
            return
        last = self.services.last_grade(challenge.number)
        if last is not None:
            self.show_result(last, previous=True)

    def _show_path(self) -> None:
        challenge = self.challenge
        if challenge.has_copy:
            line = Text.assemble("Your file: ", (str(challenge.program_path), "underline"))
        else:
            line = Text.assemble(
                "No copy yet (",
                (str(challenge.program_path.name), "underline"),
                " is the original): e makes your copy and opens it",
                style="dim",
            )
        self.query_one("#detail-path", Static).update(line)

    def show_result(self, result: GradeResult, *, previous: bool = False) -> None:
        """Draw a grade result (``previous``: the last one recorded, e.g. before a restart)."""
        self._stop_spinner()
        body = grade_renderable(result)
        if previous:
            body = Group(Text("Last grade (press g to grade again):", style="dim"), body)
        self.query_one("#result", Static).update(body)
        self.query_one("#result-pane").scroll_home(animate=False)

    def show_error(self, error: str) -> None:
        self._stop_spinner()
        self.query_one("#result", Static).update(
            Text.assemble(("Could not grade: ", "bold red"), error)
        )

    def _ensure_copy(self) -> bool:
        """Make the learner's copy when there is none yet (editing and grading are explicit actions)."""
        if self.challenge.has_copy:
            return True
        if self.services.make_copy is None:
            self.notify(
                f"Run `learn challenge {self.challenge.number}` to get your own copy first.",
                severity="warning",
            )
            return False
        if not self._ensure_workspace():
            return False
        try:
            path = self.services.make_copy(self.challenge.number)
        except UserError as error:
            self.notify(error.message, severity="error")
            return False
        self.challenge = replace(self.challenge, program_path=path, has_copy=True)
        self._show_path()
        self.notify(f"Your copy is {path}: edit it (e), then grade again (g).")
        return True

    def _ensure_workspace(self) -> bool:
        """Without a workspace, the first press says where one would go; a second press within
        10 s creates it there (what `learn init` does), so a new learner is never stuck here."""
        target = self.services.new_workspace()
        if target is None or self.services.init_workspace is None:
            return True
        now = time.monotonic()
        if now - self._init_armed > 10:
            self._init_armed = now
            self.notify(
                f"You have no workspace yet. Press the key again to create it at {target} "
                "(as `learn init` does), or quit and run `learn init DIR` to choose the folder.",
                severity="warning",
                timeout=10,
            )
            return False
        self._init_armed = 0.0
        try:
            self.services.init_workspace()
        except UserError as error:
            self.notify(error.message, severity="error")
            return False
        return True

    def action_grade(self) -> None:
        if self.grading:
            self.notify("Already grading: the result will appear here.", severity="warning")
            return
        if not self._ensure_copy():
            return
        self.app.grade_challenge(self.services, self.challenge)  # type: ignore[attr-defined]
        self._start_spinner()

    def _start_spinner(self) -> None:
        self._started = time.monotonic()
        self._tick()
        if self._spinner is None:
            self._spinner = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        self.query_one("#result", Static).update(
            f"[b yellow]{frame} Grading… {elapsed:.1f}s[/] (the grader runs in a sandbox; keep reading)"
        )

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def action_edit(self) -> None:
        """Open the file in $EDITOR (the TUI is suspended meanwhile), or show its path."""
        if not self._ensure_copy():
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        path = self.challenge.program_path
        if not editor:
            self.notify(f"Set $EDITOR to edit from here, or open {path} in your editor.", timeout=8)
            return
        with self.app.suspend():
            subprocess.run([*editor.split(), str(path)], check=False)

    def _mtime(self) -> float | None:
        try:
            return self.challenge.program_path.stat().st_mtime
        except OSError:
            return None

    def _background(self, title: str, job: Callable[[], RenderableType]) -> None:
        """Run ``job`` in a worker thread and show what it returns (or its one-line error)."""
        self.query_one("#result", Static).update(Text(f"{title}…", style="bold yellow"))

        def work() -> None:
            try:
                shown: RenderableType = job()
            except UserError as error:
                shown = Text(error.message, style="yellow")
            except Exception as error:
                shown = Text(f"{title} failed: {type(error).__name__}: {error}", style="red")
            self.app.call_from_thread(self._show_output, shown)

        self.run_worker(work, thread=True, group="detail-job", exclusive=True)

    def _show_output(self, shown: RenderableType) -> None:
        if self.is_attached:
            self.query_one("#result", Static).update(shown)
            self.query_one("#result-pane").scroll_home(animate=False)

    def _service(self, name: str) -> Callable[[int], Any] | None:
        service: Callable[[int], Any] | None = getattr(self.services, name)
        if service is None:
            self.notify(f"{name} is not available in this checkout", severity="warning")
        return service

    def action_hint(self) -> None:
        if (hint := self._service("hint")) is not None:
            self._background("Finding the next hint", lambda: hint(self.challenge.number))

    def action_run(self) -> None:
        """Run the learner's copy (sandboxed, 10 s) to see the symptom."""
        if (run := self._service("run")) is not None:
            self._background("Running your copy (10 s at most)", lambda: run(self.challenge.number))

    def action_solutions(self) -> None:
        if (solutions := self._service("solutions")) is not None:
            self._background("Loading the solutions", lambda: solutions(self.challenge.number))

    def action_reset(self) -> None:
        """Restore the original program; the first press asks, the second (within 5 s) does it."""
        reset = self._service("reset")
        if reset is None:
            return
        now = time.monotonic()
        if now - self._reset_armed > 5:
            self._reset_armed = now
            self.notify(
                "Press x again within 5 s to replace your copy with the original (it is backed up first).",
                severity="warning",
                timeout=5,
            )
            return
        self._reset_armed = 0.0
        self._background(
            "Restoring the original", lambda: Text(reset(self.challenge.number), style="green")
        )

    def action_watch(self) -> None:
        """Toggle re-grading whenever the learner's file is saved."""
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
            self.sub_title = f"challenge {self.challenge.number}"
            self.notify("Stopped watching your file.")
            return
        self._watched_mtime = self._mtime()
        self._watch = self.set_interval(1.0, self._check_saved)
        self.sub_title = f"challenge {self.challenge.number} · re-grading on save"
        self.notify(f"Watching {self.challenge.program_path.name}: every save is graded (w stops).")

    def _check_saved(self) -> None:
        mtime = self._mtime()
        if mtime is not None and mtime != self._watched_mtime:
            self._watched_mtime = mtime
            if not self.grading:
                self.action_grade()

    def action_visualize(self) -> None:
        self.app.open_visualizer("challenge", self.challenge.number)  # type: ignore[attr-defined]
