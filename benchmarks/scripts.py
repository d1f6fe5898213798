"""Benchmark scripts of other areas (startup, grader power, ...), run as external programs.

They are discovered by file name at run time, so a script another engineer adds later shows
up in ``learn bench list`` without changes here. Their figures are printed, not stored.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from usererror import UserError

BENCH_DIR = Path(__file__).resolve().parent
KNOWN = {
    "startup": "how long `learn --help` and `learn list` take to start",
    "grader_power": "how many bugs the grader finds, and how fast",
    "challenge_matrix": "every challenge against every solution through the grader",
    "progress_bench": "progress and XP bookkeeping under load",
    "practical_bench": "the practical modules against real brokers and databases",
    "visualizer_bench": "the live visualizer's frame rate and event throughput",
}
OWN_MODULES = ("store", "render", "scripts", "bench")
"""Modules of the benchmark tool itself, not scripts."""


@dataclass(frozen=True)
class Script:
    """One ``benchmarks/<name>.py`` script."""

    name: str
    summary: str
    path: Path

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def command_name(self) -> str:
        """How a learner names it: ``grader_power.py`` → ``grader-power``."""
        return self.name.replace("_", "-")


def all_scripts(folder: Path = BENCH_DIR) -> tuple[Script, ...]:
    """The known scripts (present or not) plus any other script found in ``folder``.

    A script that exists describes itself with the first line of its docstring.
    """
    names = dict(KNOWN)
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith(("_", "test_")) or path.stem in OWN_MODULES:
            continue
        names.setdefault(path.stem, "")
    scripts = []
    for name, summary in names.items():
        path = folder / f"{name}.py"
        own_words = _first_docstring_line(path) if path.is_file() else ""
        scripts.append(Script(name, own_words or summary, path))
    return tuple(scripts)


def _first_docstring_line(path: Path) -> str:
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text()))
    except (SyntaxError, OSError):
        return ""
    return (doc or "").strip().splitlines()[0] if doc else ""


def find_script(name: str) -> Script | None:
    """The script a learner typed (``grader-power`` or ``grader_power``), or None."""
    wanted = name.replace("-", "_")
    return next((script for script in all_scripts() if script.name == wanted), None)


def run_script(script: Script, quick: bool) -> int:
    """Run the script with this Python, its output going straight to the terminal."""
    if not script.exists:
        raise UserError(
            f"benchmark script {script.path.name} is not in this checkout yet "
            "(its area has not landed): see `learn bench list` for what exists"
        )
    argv = [sys.executable, str(script.path)]
    if quick and "--quick" in script.path.read_text():
        argv.append("--quick")
    return subprocess.run(argv, cwd=BENCH_DIR.parent, check=False).returncode
