"""Rich renderings of progress: the progress screen, the reward after a check, achievements,
the leaderboard and the daily challenge. Input is always an immutable snapshot or outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .levels import level_for, next_level
from .models import (
    AttemptOutcome,
    DailyChallenge,
    LeaderboardRow,
    ProgressSnapshot,
    UnlockedAchievement,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from .profiles import ProfileInfo

_STATUS_STYLE = {
    "passed": "[green]✔ passed[/]",
    "attempted": "[yellow]… attempted[/]",
    "new": "[dim]· new[/]",
}


def xp_bar(xp: int, width: int = 30) -> RenderableType:
    """The bar from the current level's threshold to the next one's, with the numbers."""
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    level = level_for(xp)
    upcoming = next_level(level)
    grid = Table.grid(padding=(0, 1))
    if upcoming is None:
        grid.add_row(
            ProgressBar(total=1, completed=1, width=width), f"[bold]{xp} XP[/] · top level"
        )
        return grid
    span = upcoming.min_xp - level.min_xp
    into = xp - level.min_xp
    grid.add_row(
        ProgressBar(total=span, completed=into, width=width, complete_style="magenta"),
        f"[bold]{into}[/]/{span} XP to [bold]{upcoming.name}[/]",
    )
    return grid


def _level_line(xp: int) -> str:
    level = level_for(xp)
    return f"[bold magenta]Level {level.number} · {level.name}[/]   [bold]{xp}[/] XP"


def render_progress(
    console: Console, snapshot: ProgressSnapshot, titles: Mapping[int, str] | None = None
) -> None:
    """`learn progress`: level, XP bar, per-challenge status, achievements, streak, daily."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    titles = titles or {}
    passed = sum(c.status == "passed" for c in snapshot.challenges)
    header = Group(
        _level_line(snapshot.xp),
        xp_bar(snapshot.xp),
        f"🔥 streak [bold]{snapshot.streak_days}[/] day(s) (best {snapshot.best_streak})   "
        f"challenges [bold]{passed}[/]/{len(snapshot.challenges)}   "
        f"lessons [bold]{len(snapshot.examples_done)}[/]   quiz [bold]{snapshot.quiz_correct}[/] correct",
    )
    console.print(Panel(header, title=f"progress · {snapshot.profile}", border_style="magenta"))
    table = Table(title="Challenges", title_justify="left")
    table.add_column("#", justify="right", style="bold")
    table.add_column("challenge")
    table.add_column("status")
    table.add_column("checks", justify="right")
    table.add_column("hints", justify="right")
    table.add_column("XP", justify="right", style="magenta")
    for ch in snapshot.challenges:
        table.add_row(
            str(ch.number),
            titles.get(ch.number, "[dim]not installed[/]" if titles else ""),
            _STATUS_STYLE.get(ch.status, ch.status)
            + (" [dim](solution seen)[/]" if ch.revealed else ""),
            str(ch.attempts or ""),
            str(ch.hints or ""),
            str(ch.xp or ""),
        )
    console.print(table)
    unlocked = [a for a in snapshot.achievements if a.unlocked_at is not None]
    console.print(
        f"🏅 achievements [bold]{len(unlocked)}[/]/{len(snapshot.achievements)}: "
        + (
            " ".join(f"{a.achievement.icon} {a.achievement.name}" for a in unlocked)
            or "[dim]none yet[/]"
        )
        + "   [dim](learn achievements)[/]"
    )
    render_daily(console, snapshot.daily, done=snapshot.daily_done, compact=True)


def render_outcome(console: Console, outcome: AttemptOutcome) -> None:
    """The moment after a check: XP gained with the bar moving, level-up, new achievements."""
    from rich.panel import Panel

    if outcome.xp_gained:
        extra = f"  [cyan](+{outcome.daily_bonus} daily bonus)[/]" if outcome.daily_bonus else ""
        console.print(
            f"[bold magenta]+{outcome.xp_gained} XP[/]{extra}  →  {_level_line(outcome.total_xp)}"
        )
        _animate_bar(console, outcome.total_xp - outcome.xp_gained, outcome.total_xp)
    else:
        console.print(
            f"[dim]{_level_line(outcome.total_xp)} · XP comes from a challenge's first pass[/]"
        )
    if outcome.leveled_up:
        level = outcome.level_after
        console.print(
            Panel.fit(
                f"[bold]⬆  LEVEL UP![/]  You are now [bold magenta]Level {level.number} · {level.name}[/]",
                border_style="magenta",
            )
        )
    for achievement in outcome.new_achievements:
        console.print(
            Panel.fit(
                f"{achievement.icon}  [bold yellow]{achievement.name}[/]\n[dim]{achievement.rule}[/]",
                title="achievement unlocked",
                border_style="yellow",
            )
        )


def _animate_bar(console: Console, start: int, end: int) -> None:
    """Fill the XP bar from ``start`` to ``end`` (animated on a terminal, final state otherwise)."""
    if not console.is_terminal:
        console.print(xp_bar(end))
        return
    import time

    from rich.live import Live

    frames = 12
    with Live(xp_bar(start), console=console, transient=False, auto_refresh=False) as live:
        for frame in range(1, frames + 1):
            time.sleep(0.04)  # pacing a visual effect, not synchronization
            live.update(xp_bar(start + (end - start) * frame // frames), refresh=True)


def render_achievements(console: Console, achievements: Sequence[UnlockedAchievement]) -> None:
    from rich.table import Table

    done = sum(a.unlocked_at is not None for a in achievements)
    table = Table(
        title=f"Achievements  ·  {done}/{len(achievements)} unlocked", title_justify="left"
    )
    table.add_column("", width=2)
    table.add_column("achievement")
    table.add_column("how to unlock", style="dim")
    table.add_column("unlocked")
    for item in achievements:
        a = item.achievement
        if item.unlocked_at is None:
            table.add_row("🔒", f"[dim]{a.name}[/]", a.rule, "[dim]—[/]")
        else:
            when = item.unlocked_at.astimezone().strftime("%Y-%m-%d %H:%M")
            table.add_row(a.icon, f"[bold yellow]{a.name}[/]", a.rule, when)
    console.print(table)


def render_leaderboard(
    console: Console, rows: Sequence[LeaderboardRow], where: str, me: str
) -> None:
    from rich.table import Table

    if not rows:
        console.print(f"[dim]No profiles in {where} yet: pass a challenge with `learn check N`.[/]")
        return
    table = Table(title=f"Leaderboard  ·  {where}", title_justify="left")
    for name, justify in (
        ("#", "right"),
        ("profile", "left"),
        ("level", "left"),
        ("XP", "right"),
        ("passed", "right"),
        ("badges", "right"),
        ("streak", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    for row in rows:
        style = "bold cyan" if row.profile == me else ""
        table.add_row(
            medals.get(row.rank, str(row.rank)),
            row.profile,
            f"{row.level.number} · {row.level.name}",
            str(row.xp),
            str(row.passed),
            str(row.achievements),
            f"{row.streak_days}d",
            style=style,
        )
    console.print(table)


def render_daily(
    console: Console,
    daily: DailyChallenge,
    *,
    done: bool,
    compact: bool = False,
    title: str | None = None,
) -> None:
    """Today's challenge, its twist and its bonus."""
    name = f"challenge {daily.challenge}" + (f" · {title}" if title else "")
    status = (
        "[green]✔ bonus earned today[/]" if done else f"[bold cyan]+{daily.bonus_xp} XP[/] bonus"
    )
    if compact:
        console.print(f"📅 daily: {name} — {daily.twist_text} ({status})   [dim](learn daily)[/]")
        return
    from rich.panel import Panel

    console.print(
        Panel.fit(
            f"[bold]{name}[/]\n"
            f"twist: {daily.twist_text}\n"
            f"reward: {status}\n\n"
            f"[dim]Everyone at your stage gets this daily on {daily.day.isoformat()}. "
            f"Start with `learn challenge {daily.challenge}`, then `learn check {daily.challenge}`.[/]",
            title=f"daily challenge · {daily.day.isoformat()}",
            border_style="cyan",
        )
    )


def render_profiles(console: Console, profiles: Sequence[ProfileInfo]) -> None:
    for profile in profiles:
        marker = "[bold green]*[/]" if profile.active else " "
        console.print(f"{marker} {profile.name}")
    console.print("[dim]* active · learn profile switch NAME · learn profile create NAME[/]")
