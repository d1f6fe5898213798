"""Show a benchmark run: a table of medians, spread and ratios, a bar chart, and what it means.

Everything here reads the pytest-benchmark JSON document a run produced (or one loaded from
the store), so a fresh run and an old one are shown the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from benchmarks.suites import Suite

BAR_WIDTH = 36


# --- numbers -------------------------------------------------------------------------------


def format_value(value: float, unit: str) -> str:
    """``0.0123, seconds`` → ``12.3 ms``; ``16384, bytes`` → ``16.0 KiB``."""
    if unit == "bytes":
        for suffix, size in (("MiB", 1024**2), ("KiB", 1024)):
            if abs(value) >= size:
                return f"{value / size:.1f} {suffix}"
        return f"{value:.0f} B"
    for suffix, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {suffix}"
    return f"{value / 1e-9:.3g} ns"


def ratio_text(ratio: float, unit: str) -> str:
    """How a case compares with its baseline (ratio = baseline / case: above 1 is better)."""
    better, worse = ("less", "more") if unit == "bytes" else ("faster", "slower")
    if 0.95 <= ratio <= 1.05:
        return "≈ same"
    return f"{ratio:.2f}× {better}" if ratio > 1 else f"{1 / ratio:.2f}× {worse}"


def groups(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Benchmarks of a run by group, in the order they ran."""
    found: dict[str, list[dict[str, Any]]] = {}
    for bench in run["benchmarks"]:
        found.setdefault(bench["group"], []).append(bench)
    return found


def baseline_of(entries: list[dict[str, Any]], baseline: str) -> dict[str, Any]:
    """The suite's baseline case in this group, else the group's first case."""
    return next((entry for entry in entries if entry["name"] == baseline), entries[0])


# --- progress ------------------------------------------------------------------------------


class RichRoundProgress:
    """A progress bar that advances once per measured round."""

    def __init__(self, bar: RichProgress) -> None:
        self._bar = bar
        self._task = bar.add_task("starting", total=None)

    def start(self, total_rounds: int) -> None:
        self._bar.update(self._task, total=total_rounds)

    def advance(self, description: str) -> None:
        self._bar.update(self._task, advance=1, description=description)


@contextmanager
def progress_bar(console: Console, title: str) -> Iterator[RichRoundProgress]:
    columns = (
        TextColumn(f"[bold]{title}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rounds"),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=console, transient=True) as bar:
        yield RichRoundProgress(bar)


# --- the report ----------------------------------------------------------------------------


def machine_text(machine: dict[str, Any]) -> str:
    """What a learner needs to know about the machine to read concurrency numbers."""
    cpu = machine.get("cpu", {})
    cores, usable = cpu.get("count"), cpu.get("usable", cpu.get("count"))
    gil = machine.get("gil", True)
    lines = [
        f"This machine: {cores} cores ({usable} usable by this program), "
        f"{machine.get('python_implementation', 'Python')} {machine.get('python_version', '?')} "
        f"on {machine.get('system', '?')} {machine.get('machine', '')}, "
        f"GIL {'on' if gil else 'off (free-threaded build)'}.",
        f"- Parallel speed-up is capped at {usable}× here: {usable} cores can run at most "
        f"{usable} things at the same instant.",
    ]
    if gil:
        lines.append(
            "- With the GIL, only one thread at a time runs Python bytecode: threads overlap "
            "waiting (I/O, sleep), not computing. Separate processes each have their own GIL."
        )
    free = machine.get("free_parallelism")
    if free is not None:
        lines.append(
            f"- Measured just before the run: this program could get {free:.1f}× of one core's "
            f"work done at once (at most {usable}×). No parallel case can beat that ceiling."
        )
    load, pressure = machine.get("load_average"), machine.get("cpu_pressure")
    busy = (free is not None and usable and free < 0.75 * usable) or (
        load is not None and usable and load > 2 * usable
    )
    if busy:
        detail = f"load average {load:.1f} on {usable} cores" if load is not None else ""
        if pressure is not None:
            detail += f", tasks waited for a CPU {pressure:.0f}% of the last 10 s"
        lines.append(
            f"- [bold yellow]The machine was busy[/] ({detail}): other programs were using the "
            "cores, so parallel cases could not show their full speed-up. Run again when the "
            "machine is idle before trusting a parallel result."
        )
    lines.append(
        "- Medians are robust to a slow round; 'spread' is half the width of the middle half of "
        "the rounds (q1–q3), relative to the median. When two cases' ranges overlap, treat the difference as noise: other programs share "
        "these cores."
    )
    return "\n".join(lines)


def group_table(group: str, entries: list[dict[str, Any]], baseline: str) -> Table:
    unit = entries[0]["extra_info"]["unit"]
    base = baseline_of(entries, baseline)
    table = Table(title=group, title_justify="left", title_style="bold", expand=False)
    table.add_column("case")
    table.add_column("median", justify="right")
    table.add_column("spread", justify="right")
    table.add_column("per op" if unit == "seconds" else "min", justify="right")
    table.add_column("rounds", justify="right")
    table.add_column(f"vs {base['name']}", justify="right")
    for entry in entries:
        stats = entry["stats"]
        work = entry["extra_info"].get("work", 1)
        spread = (
            f"±{(stats['q3'] - stats['q1']) / 2 / stats['median']:.0%}" if stats["median"] else "–"
        )
        extra = (
            format_value(stats["median"] / work, unit)
            if unit == "seconds"
            else format_value(stats["min"], unit)
        )
        if entry is base:
            versus = Text("baseline", style="dim")
        else:
            ratio = base["stats"]["median"] / stats["median"] if stats["median"] else float("inf")
            versus = Text(
                ratio_text(ratio, unit),
                style="green" if ratio > 1.05 else "red" if ratio < 0.95 else "",
            )
        table.add_row(
            entry["name"],
            format_value(stats["median"], unit),
            spread,
            extra,
            str(stats["rounds"]),
            versus,
        )
    return table


def bar_chart(entries: list[dict[str, Any]]) -> Text:
    """Horizontal bars of the medians (shorter is better), scaled to the largest."""
    unit = entries[0]["extra_info"]["unit"]
    largest = max(entry["stats"]["median"] for entry in entries) or 1.0
    width = max(len(entry["name"]) for entry in entries)
    text = Text()
    for entry in entries:
        median = entry["stats"]["median"]
        eighths = round(median / largest * BAR_WIDTH * 8)
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        text.append(f"  {entry['name']:<{width}} ")
        text.append(bar or "▏", style="cyan")
        text.append(f" {format_value(median, unit)}\n")
    return text


def expectation_lines(suite: Suite, run: dict[str, Any]) -> list[Text]:
    """Each hypothesis of the suite, checked against this run's medians."""
    lines = []
    for group, entries in groups(run).items():
        by_name = {entry["name"]: entry for entry in entries}
        for expectation in suite.expectations:
            if expectation.group not in group:
                continue
            winner, loser = by_name.get(expectation.winner), by_name.get(expectation.loser)
            if winner is None or loser is None:
                continue
            ratio = loser["stats"]["median"] / winner["stats"]["median"]
            unit = winner["extra_info"]["unit"]
            if ratio > 1.05:
                mark = Text("✓ held    ", style="green")
            elif ratio >= 0.95:
                mark = Text("≈ a tie   ", style="yellow")
            else:
                mark = Text("✗ not here", style="red")
            lines.append(
                Text.assemble(
                    mark,
                    f" {expectation.winner} vs {expectation.loser} ({group}): "
                    f"{ratio_text(ratio, unit)} — {expectation.why}",
                )
            )
    return lines


def render_run(console: Console, suite: Suite, run: dict[str, Any]) -> None:
    """The whole report of one run."""
    mode = "quick (small sizes)" if run.get("quick") else "full"
    console.print(
        Panel(
            Group(Text(suite.question, style="bold"), Text(f"Hypothesis: {suite.hypothesis}")),
            title=f"learn bench: {suite.name}",
            subtitle=f"{mode}, {run.get('duration', 0):.1f} s",
        )
    )
    if run.get("note"):
        console.print(Text(run["note"], style="yellow"))
    for group, entries in groups(run).items():
        console.print(group_table(group, entries, suite.baseline))
        console.print(bar_chart(entries))
    for error in run.get("errors", []):
        console.print(
            Text(f"could not run {error['group']}: {error['name']}: {error['error']}", style="red")
        )
    checks = expectation_lines(suite, run)
    if checks:
        console.print(Text("The hypothesis, checked on this machine", style="bold"))
        for line in checks:
            console.print(line)
    console.print(
        Panel(
            machine_text(run["machine_info"]),
            title="what the numbers mean here",
            title_align="left",
        )
    )
    console.print(Panel(suite.lesson, title="lesson", title_align="left"))


# --- list, history, compare ----------------------------------------------------------------


def render_list(console: Console, suites: tuple[Suite, ...], scripts: tuple[Any, ...]) -> None:
    table = Table(title="Benchmark suites: `learn bench run NAME [--quick]`", title_justify="left")
    table.add_column("suite", style="bold cyan")
    table.add_column("the question it answers")
    for suite in suites:
        table.add_row(suite.name, suite.question)
    table.add_row("all", "every suite above, one after the other")
    console.print(table)
    others = Table(
        title="Benchmark scripts of other areas (figures printed, not stored)", title_justify="left"
    )
    others.add_column("script", style="bold cyan")
    others.add_column("measures")
    others.add_column("status")
    for script in scripts:
        status = (
            Text("ready", style="green")
            if script.exists
            else Text(f"not in this checkout yet ({script.path.name})", style="dim")
        )
        others.add_row(script.command_name, script.summary, status)
    console.print(others)


def render_history(console: Console, rows: list[Any]) -> None:
    """One table per suite and group: how each case's median moved from run to run."""
    if not rows:
        console.print("No stored runs match: run `learn bench run SUITE` first (results are kept).")
        return
    tables: dict[tuple[str, str], Table] = {}
    for row in rows:
        table = tables.get((row.suite, row.group))
        if table is None:
            table = Table(
                title=f"{row.suite}: {row.group}", title_justify="left", title_style="bold"
            )
            for column in ("run", "when (UTC)", "mode", "commit", "case", "median"):
                table.add_column(column, justify="right" if column in ("run", "median") else "left")
            tables[(row.suite, row.group)] = table
        commit = (row.commit[:7] + ("+edits" if row.dirty else "")) if row.commit else "–"
        table.add_row(
            str(row.run),
            row.at[5:16].replace("T", " "),
            "quick" if row.quick else "full",
            commit,
            row.name,
            format_value(row.median, row.unit),
        )
    console.print(
        Text("Stored runs, queried with DuckDB from LEARN_HOME/bench/*.json", style="dim")
    )
    for table in tables.values():
        console.print(table)


def render_compare(console: Console, before: list[Any], after: list[Any]) -> None:
    old = {(row.group, row.name): row for row in before}
    table = Table(
        title=f"{after[0].suite}: run {before[0].run} → run {after[0].run}", title_justify="left"
    )
    for column in ("group", "case", f"run {before[0].run}", f"run {after[0].run}", "change"):
        table.add_column(column, justify="left" if column in ("group", "case") else "right")
    for row in after:
        previous = old.get((row.group, row.name))
        if previous is None:
            table.add_row(
                row.group,
                row.name,
                "–",
                format_value(row.median, row.unit),
                Text("new", style="dim"),
            )
            continue
        ratio = previous.median / row.median if row.median else float("inf")
        style = "green" if ratio > 1.05 else "red" if ratio < 0.95 else ""
        table.add_row(
            row.group,
            row.name,
            format_value(previous.median, row.unit),
            format_value(row.median, row.unit),
            Text(ratio_text(ratio, row.unit), style=style),
        )
    console.print(table)
    if before[0].quick != after[0].quick:
        console.print(
            Text(
                "One run is --quick and the other full: sizes differ, compare like with like.",
                style="yellow",
            )
        )
