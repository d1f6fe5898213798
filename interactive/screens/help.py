"""`?`: every key that works on the current screen, in one list."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]

COMMON = (
    ("Esc / q", "Back (q on the dashboard quits)"),
    ("Tab", "Next pane or list"),
    ("ctrl+p", "Command palette: open challenge N, quiz on a topic, visualize lesson N"),
    ("ctrl+q", "Quit"),
)


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, screen_name: str, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_name = screen_name
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        for key, description in [*self.bindings, *COMMON]:
            if description in seen:
                continue
            seen.add(description)
            table.add_row(key, description)
        with VerticalScroll(id="help-pane"):
            yield Static("[b]Keys on this screen[/b]  [dim](Esc closes)[/]", id="help-title")
            yield Static(table, id="help-keys")
