"""Narration shared by the practical modules: steps, measurements, and the facts a run found.

A pattern prints what it does and what it measured, and records *facts* (counts, rates,
booleans) that tests assert on and the benchmark prints. Quiet mode records without printing.
"""

from __future__ import annotations

import statistics
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Facts", "Narrator", "unique_name"]

Facts = dict[str, float | int | str | bool]


def unique_name(prefix: str) -> str:
    """A name nobody else uses (queues, topics, tables, keys), so runs never collide."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Narrator:
    """Prints a pattern's story and records its facts."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        if console is None and not quiet:
            from rich.console import Console

            console = Console(highlight=False)
        self._console = console
        self.quiet = quiet
        self.facts: Facts = {}

    def _print(self, text: str) -> None:
        if not self.quiet and self._console is not None:
            self._console.print(text)

    def heading(self, text: str) -> None:
        self._print(f"\n[bold cyan]▶ {text}[/]")

    def step(self, text: str) -> None:
        """Say what the code is about to do."""
        self._print(f"  • {text}")

    def lesson(self, text: str) -> None:
        """The takeaway: why the pattern behaves as it did."""
        self._print(f"  [italic green]→ {text}[/]")

    def warn(self, text: str) -> None:
        """A limitation, stated plainly (e.g. the broker lacks a feature)."""
        self._print(f"  [yellow]! {text}[/]")

    def fact(self, key: str, value: float | int | str | bool, label: str | None = None) -> None:
        """Record a fact and print it."""
        self.facts[key] = value
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        self._print(f"    {label or key}: [bold]{shown}[/]")

    def rate(self, key: str, count: int, seconds: float, unit: str = "msg") -> float:
        """Record ``count / seconds`` as ``key`` (per second) and print it."""
        per_second = count / seconds if seconds > 0 else float("inf")
        self.facts[key] = per_second
        self._print(
            f"    {key}: [bold]{per_second:,.0f} {unit}/s[/] ({count:,} in {seconds:.3f} s)"
        )
        return per_second

    def latencies(self, key: str, seconds: list[float]) -> None:
        """Record the median and 99th percentile of latencies (in milliseconds)."""
        if not seconds:
            return
        ordered = sorted(seconds)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        self.facts[f"{key}_p50_ms"] = p50
        self.facts[f"{key}_p99_ms"] = p99
        self._print(f"    {key} latency: p50 [bold]{p50:.2f} ms[/], p99 [bold]{p99:.2f} ms[/]")
