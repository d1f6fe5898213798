"""The command palette (ctrl+p): open challenge N, quiz on a topic or of N questions, visualize."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from interactive.quiz import TOPICS

if TYPE_CHECKING:
    from interactive.app import LearnTui

__all__ = ["LearnCommands"]

COUNTS = (5, 10, 20)


class LearnCommands(Provider):
    """Every place of the course, by name."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: LearnTui = self.app  # type: ignore[assignment]
        services = app.services
        commands: list[tuple[str, Callable[[], object], str]] = []
        for challenge in services.challenges():
            commands.append(
                (
                    f"Open challenge {challenge.number}: {challenge.title}",
                    partial(app.open_challenge, challenge.number),
                    "read, run, grade",
                )
            )
            commands.append(
                (
                    f"Visualize challenge {challenge.number}: {challenge.title}",
                    partial(app.open_visualizer, "challenge", challenge.number),
                    "watch it run",
                )
            )
        for number, title in services.examples():
            commands.append(
                (
                    f"Visualize lesson {number}: {title}",
                    partial(app.open_visualizer, "example", number),
                    "watch it run",
                )
            )
        for topic, name in TOPICS.items():
            commands.append(
                (f"Quiz on {name} ({topic})", partial(app.action_open_quiz, topic), "10 questions")
            )
        for count in COUNTS:
            commands.append(
                (
                    f"Quiz: {count} questions",
                    partial(app.action_open_quiz, None, count),
                    "all topics",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            if text.startswith(("Open challenge", "Quiz:")):
                yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
