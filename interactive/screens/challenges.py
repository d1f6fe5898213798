"""The challenge browser: every challenge with its difficulty and the learner's status."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from interactive.services import ChallengeView, Services

__all__ = ["STATUS_MARKS", "ChallengesScreen"]

STATUS_MARKS = {
    "passed": "[green]✓ passed[/]",
    "attempted": "[yellow]… attempted[/]",
    "new": "[dim]new[/]",
}


class ChallengesScreen(Screen[None]):
    """Pick a challenge (Enter) to read its story and grade your fix."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("q", "app.pop_screen", "Back", show=False),
        # Priority: the table would otherwise take Enter, and the footer would not show it.
        Binding("enter", "open", "Open", priority=True),
        Binding("v", "visualize", "Visualize"),
        Binding("slash", "filter", "Filter", key_display="/"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.challenges: tuple[ChallengeView, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Fix each broken program; the grader proves it with evidence. Enter opens, / filters.",
            id="challenges-intro",
        )
        yield Input(
            placeholder="filter: number, title or concept (Esc clears)", id="challenge-filter"
        )
        yield DataTable(id="challenge-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "challenges"
        table = self.query_one(DataTable)
        table.add_columns("#", "Challenge", "Level", "Status")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def action_filter(self) -> None:
        field = self.query_one("#challenge-filter", Input)
        field.display = True
        field.focus()

    def action_back(self) -> None:
        field = self.query_one("#challenge-filter", Input)
        if field.display:
            field.value = ""
            field.display = False
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def _matches(self, challenge: ChallengeView, words: str) -> bool:
        haystack = " ".join((str(challenge.number), challenge.title, *challenge.concepts)).lower()
        return all(word in haystack for word in words.lower().split())

    def reload(self) -> None:
        words = self.query_one("#challenge-filter", Input).value
        self.challenges = tuple(c for c in self.services.challenges() if self._matches(c, words))
        statuses = self.services.dashboard().statuses
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for challenge in self.challenges:
            table.add_row(
                f"{challenge.number:>2}",
                challenge.title,
                "★" * challenge.difficulty,
                STATUS_MARKS.get(statuses.get(challenge.number, "new"), "new"),
                key=str(challenge.number),
            )
        if not self.challenges:
            self.query_one("#challenges-intro", Static).update(
                "No challenge matches the filter (Esc clears it)."
                if words
                else "No challenges are installed in this checkout yet."
            )
        elif row:
            table.move_cursor(row=min(row, len(self.challenges) - 1))

    def _selected(self) -> ChallengeView | None:
        table = self.query_one(DataTable)
        if not self.challenges:
            return None
        return self.challenges[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if self.focused is self.query_one("#challenge-filter", Input):
            self.query_one(DataTable).focus()
            return
        from interactive.screens.challenge_detail import ChallengeDetailScreen

        challenge = self._selected()
        if challenge is not None:
            self.app.push_screen(ChallengeDetailScreen(self.services, challenge))

    def action_visualize(self) -> None:
        challenge = self._selected()
        if challenge is not None:
            self.app.open_visualizer("challenge", challenge.number)  # type: ignore[attr-defined]
