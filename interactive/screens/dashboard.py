"""The home screen: level, XP bar, streak, daily challenge, next step, recent achievements."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from interactive.services import DashboardView, Services

__all__ = ["DashboardScreen"]


class DashboardScreen(Screen[None]):
    """Where the learner lands: how far they are and what to do next."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "app.open_challenges", "Challenges"),
        Binding("z", "app.open_quiz", "Quiz"),
        Binding("v", "app.open_visualizer", "Visualize"),
        Binding("r", "refresh", "Refresh"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="dashboard"):
            with Horizontal(id="level-row"):
                yield Static(id="level", classes="card")
                yield Static(id="streak", classes="card")
            with Vertical(id="xp-card", classes="card"):
                yield Static(id="xp-label")
                yield ProgressBar(id="xp-bar", show_eta=False, show_percentage=True)
            yield Static(id="daily", classes="card")
            yield Static(id="next-step", classes="card")
            yield Static(id="achievements", classes="card")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "concurrency-lab"
        self.sub_title = "dashboard"
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        """Re-read progress (cheap: one snapshot)."""
        self.show(self.services.dashboard())

    def show(self, view: DashboardView) -> None:
        level = f"[b]Level {view.level}[/b]"
        if view.level_name:
            level += f" · {view.level_name}"
        self.query_one("#level", Static).update(
            f"{level}\n[dim]{view.profile} · {view.xp} XP total[/]"
        )
        flame = "🔥 " if view.streak_days else ""
        self.query_one("#streak", Static).update(f"{flame}[b]{view.streak_days}[/b]-day streak")
        target = f" to {view.next_level_name}" if view.next_level_name else ""
        self.query_one("#xp-label", Static).update(
            f"XP {view.xp_into_level}/{view.xp_level_span}{target}"
        )
        bar = self.query_one("#xp-bar", ProgressBar)
        bar.update(total=view.xp_level_span, progress=min(view.xp_into_level, view.xp_level_span))
        if view.daily_challenge is None:
            daily = "[b]Daily challenge[/b]\n[dim]none today[/]"
        else:
            done = " [green]✓ done[/]" if view.daily_done else ""
            daily = (
                f"[b]Daily challenge[/b]: challenge {view.daily_challenge}{done}\n{view.daily_text}"
            )
        self.query_one("#daily", Static).update(daily)
        numbers = tuple(c.number for c in self.services.challenges())
        self.query_one("#next-step", Static).update(f"[b]Next step[/b]\n{view.next_step(numbers)}")
        if view.achievements:
            lines = [
                f"{a.icon} {a.name}"
                + (f"  [dim]{a.unlocked_at:%Y-%m-%d}[/]" if a.unlocked_at else "")
                for a in view.achievements[:5]
            ]
            text = "[b]Recent achievements[/b]\n" + "\n".join(lines)
        else:
            text = (
                "[b]Recent achievements[/b]\n[dim]none yet: pass a challenge to earn your first[/]"
            )
        self.query_one("#achievements", Static).update(text)
