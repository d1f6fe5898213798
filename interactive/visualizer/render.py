"""Rich output of `learn trace`."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from interactive.visualizer.runner import LiveRun

__all__ = ["record_with_progress", "render_trace_summary"]


def record_with_progress(console: Console, run: LiveRun) -> None:
    """Start ``run`` and show a live line (events, threads, seconds) until it ends."""
    import time

    started = time.monotonic()
    run.start()
    with console.status("recording…") as status:
        while run.wait(timeout=0.2) is None and not run.finished:
            snapshot = run.snapshot()
            status.update(
                f"recording {run.target}: {snapshot.events:,} events, {len(snapshot.actors)} threads, "
                f"{time.monotonic() - started:.1f}s (deadline {run.deadline_s:g}s)"
            )


def render_trace_summary(console: Console, run: LiveRun, path: Path, written: int) -> None:
    """What was recorded, where it went, and how to open it."""
    snapshot = run.snapshot()
    if run.killed:
        console.print(
            f"[yellow]The program was stopped at the {run.deadline_s:g}s deadline "
            "(a hang or deadlock?): the trace shows everything up to that moment.[/]"
        )
    elif run.returncode:
        console.print(f"[yellow]The program exited with {run.returncode}:[/]\n{run.errors()}")
    console.print(
        f"[green]✓[/] wrote [b]{path}[/]: {written:,} trace events from {snapshot.events:,} events, "
        f"{len(snapshot.actors)} threads, {len(snapshot.locks)} locks, {len(snapshot.queues)} queues."
    )
    console.print(
        "Open it at [u]https://ui.perfetto.dev[/u] (Open trace file) or chrome://tracing."
    )
