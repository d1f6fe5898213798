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


def _norm(key: str) -> str:
    """``^p``, ``ctrl+p`` and ``Esc / q`` as one spelling of their (first) key."""
    key = key.split(" /")[0].strip().lower()
    return "ctrl+" + key[1:] if key.startswith("^") else key


def _merged(bindings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The screen's keys, each once: a common key it also binds takes the fuller common wording."""
    rows: list[tuple[str, str]] = []
    where: dict[str, int] = {}
    said: set[str] = set()  # one row per action: esc and q both "Back", ^c and super+c both "Copy"
    for key, description in bindings:
        if _norm(key) not in where and description not in said:
            where[_norm(key)] = len(rows)
            said.add(description)
            rows.append((key, description))
    for key, description in COMMON:
        if _norm(key) in where:
            index = where[_norm(key)]
            rows[index] = (key if "/" in key else rows[index][0], description)
        else:
            rows.append((key, description))
    return rows


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
        for key, description in _merged(self.bindings):
            table.add_row(key, description)
        with VerticalScroll(id="help-pane"):
            yield Static("[b]Keys on this screen[/b]  [dim](Esc closes)[/]", id="help-title")
            yield Static(table, id="help-keys")
