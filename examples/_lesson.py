"""What every lesson prints the same way.

- :func:`header`: the interpreter, its build (GIL or free-threaded) and, when processes are
  involved, the multiprocessing start method — results depend on all three.
- :class:`Spread` and :func:`lower`/:func:`at_least`: repeated measurements summarised as
  median and range, and a hypothesis judged from them as **held**, **tie** or **not here**.
- :func:`hypothesis`: one line per stated hypothesis, ``hypothesis <id>: <claim> → <verdict>``
  (never wrapped, so a test can find it).
- :func:`try_next`: copies the lesson into the learner's workspace (never a tracked file) and
  names the edit to make there and the challenge to take next.
"""

from __future__ import annotations

import multiprocessing
import platform
import statistics
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.console import Console

__all__ = [
    "HELD",
    "NOT_HERE",
    "TIE",
    "Spread",
    "at_least",
    "build_name",
    "every",
    "free_threaded_build",
    "gil_enabled",
    "header",
    "hypothesis",
    "interpreter_line",
    "lesson_copy",
    "lower",
    "run_as_script",
    "try_next",
]

Verdict = Literal["held", "tie", "not here"]
HELD: Verdict = "held"
TIE: Verdict = "tie"
NOT_HERE: Verdict = "not here"
_COLOURS = {HELD: "green", TIE: "yellow", NOT_HERE: "red"}


def free_threaded_build() -> bool:
    """True on a free-threaded (``python3.13t``-style) build, whether or not the GIL is on."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """Whether the GIL is active right now (always True before 3.13)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def build_name() -> str:
    """``GIL``, ``free-threaded`` or ``free-threaded build, GIL re-enabled``."""
    if not free_threaded_build():
        return "GIL"
    return "free-threaded build, GIL re-enabled" if gil_enabled() else "free-threaded"


def interpreter_line(processes: bool = False) -> str:
    """One line naming the interpreter, build and (optionally) the start method."""
    probe = (
        f"sys._is_gil_enabled() = {gil_enabled()}"
        if hasattr(sys, "_is_gil_enabled")
        else "no sys._is_gil_enabled before 3.13"
    )
    line = f"{platform.python_implementation()} {platform.python_version()} · build: {build_name()} ({probe})"
    if processes:
        line += f" · multiprocessing start method: {multiprocessing.get_start_method()}"
    return line


def header(console: Console, number: int, title: str, *, processes: bool = False) -> None:
    """The lesson's first lines: its title and what it is running on."""
    console.print(f"[bold cyan]Lesson {number} — {title}[/]")
    console.print(f"[dim]ran with {interpreter_line(processes)}[/]", soft_wrap=True)


@dataclass(frozen=True)
class Spread:
    """Repeated measurements of one thing."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        if not samples:
            raise ValueError("a spread needs at least one sample")
        return cls(tuple(samples))

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def show(self, fmt: Callable[[float], str] = lambda v: f"{v:g}", what: str = "runs") -> str:
        """``median (low–high, n runs)``."""
        low, high = fmt(self.low).strip(), fmt(self.high).strip()
        return f"{fmt(self.median).strip()} ({low}–{high}, {len(self.samples)} {what})"


def lower(a: Spread, b: Spread) -> Verdict:
    """Judge "a is lower than b": held when every a is below every b, not here when no a is."""
    if a.high < b.low:
        return HELD
    if a.low >= b.high:
        return NOT_HERE
    return TIE


def at_least(values: Spread, threshold: float) -> Verdict:
    """Judge "values reach threshold": held if every run did, not here if none did."""
    if values.low >= threshold:
        return HELD
    if values.high < threshold:
        return NOT_HERE
    return TIE


def every(flags: Sequence[bool]) -> Verdict:
    """Judge "this happens in every run": held if all, not here if none, tie otherwise."""
    if all(flags):
        return HELD
    return NOT_HERE if not any(flags) else TIE


def hypothesis(console: Console, hid: str, claim: str, verdict: Verdict, evidence: str) -> None:
    """Print ``hypothesis <hid>: <claim> → <verdict>  [<evidence>]`` on one unwrapped line."""
    colour = _COLOURS[verdict]
    console.print(
        f"[bold]hypothesis {hid}:[/] {claim} → [bold {colour}]{verdict}[/]  [dim]\\[{evidence}][/]",
        soft_wrap=True,
    )


VIEWING = False
"""True while the lesson runs to be watched (`learn visualize`, `learn trace`): a viewing run writes
nothing, so "try next" names the edit and the challenges but makes no copy."""


COPIES_TO: Callable[[], Path] | None = None
"""Where "try next" copies the lesson: a function giving the learner's ``<workspace>/lessons``
folder (raising :class:`UserError` without a workspace). The learner loop sets it for the run
(:func:`learner.lessons.run_lesson`); None (run as a script, or by a test) makes no copy."""


def lesson_copy(source: Path, folder: Path) -> tuple[Path, bool]:
    """A copy of ``source`` in ``folder`` (made once, never overwritten).

    Returns the path and whether it was created now.
    """
    target = folder / source.name
    if target.exists():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(source.read_text(encoding="utf-8"))
    except FileExistsError:
        return target, False
    return target, True


def try_next(
    console: Console, source: str, edit: str, challenges: Sequence[tuple[int, str]]
) -> None:
    """Close the lesson: the edit to try in the learner's own copy, and the challenge(s) next.

    Args:
        console: where to print.
        source: the lesson module's ``__file__``.
        edit: what to change in the copy and what to look for when it runs.
        challenges: ``(number, why)`` pairs; the first is the one to take next.
    """
    console.rule("[bold]try next")
    from usererror import UserError

    try:
        if (
            VIEWING or COPIES_TO is None
        ):  # watched in the visualizer, or not run for a learner: no copy
            copy, created = None, False
        else:
            copy, created = lesson_copy(Path(source), COPIES_TO())
    except UserError as error:  # no workspace recorded yet (`learn init`)
        console.print(
            f"  [yellow]{error.message}[/]: then run the lesson again for your own copy",
            soft_wrap=True,
        )
        copy, created = None, False
    except OSError as error:
        console.print(
            f"  [red]could not copy the lesson into the workspace ({error.strerror})[/]: "
            "set LEARN_WORKSPACE to a writable folder"
        )
        copy, created = None, False
    if copy is not None:
        state = "made for you" if created else "yours, kept as you left it"
        console.print(f"  Your copy ({state}): [cyan]{copy}[/]", soft_wrap=True)
    console.print(f"  Edit it: {edit}")
    if copy is not None:
        console.print(f"  Run your copy: [cyan]uv run python {copy}[/]", soft_wrap=True)
    for position, (number, why) in enumerate(challenges):
        lead = "next challenge" if position == 0 else "also"
        console.print(f"  {lead}: [bold]learn challenge {number}[/] — {why}", soft_wrap=True)


def run_as_script(main: Callable[[str | None], None]) -> None:
    """``python exNN_x.py [variant]``: how a learner runs the copy in their workspace."""
    main(sys.argv[1] if len(sys.argv) > 1 else None)
