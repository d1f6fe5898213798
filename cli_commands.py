"""Bodies of the commands the `learn` script runs without Typer (`learn list`, `learn progress`).

``cli.py`` declares these commands for Typer (help, parsing, completion) and calls the same
functions; ``cli_entry.py`` calls them directly for the plain command lines, which then start
without importing Typer (~40 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from usererror import UserError

if TYPE_CHECKING:
    from rich.console import Console

LIST_CHOICES = {
    "lessons": "examples",
    "lesson": "examples",
    "examples": "examples",
    "example": "examples",
    "challenges": "challenges",
    "challenge": "challenges",
    "all": "all",
}
"""`learn list WHAT`: the accepted words and the tables they show."""


def console(stderr: bool = False) -> Console:
    """The console every command prints to."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def challenge_titles() -> dict[int, str]:
    from challenges import all_challenges

    return {ch.number: ch.catalogue.title for ch in all_challenges()}


def list_catalogue(what: str = "all") -> None:
    """`learn list [WHAT]`."""
    from cli_render import render_catalogue

    chosen = LIST_CHOICES.get(what)
    if chosen is None:
        raise UserError(f"cannot list '{what}': choose lessons, challenges or all")
    render_catalogue(console(), chosen)


def show_progress() -> None:
    """`learn progress`."""
    from tracker import progress_snapshot
    from tracker.render import render_progress

    render_progress(console(), progress_snapshot(), challenge_titles())
