"""``grader_power.py --peers``: the grader against frontrun and interleave-test on the same corpus bugs.

Every tool explores the same ``tests/corpus/<case>/{bug,fixed}.py`` with the case's own
scenario and checks (``expect`` in the spec is the invariant), one fresh process per run
(``_peer_worker.py`` for the peers, ``_power_worker.py`` for the grader). Per tool and class:

* **recall** — runs that report a failure on ``bug.py`` (seeded tools: one run per seed;
  DPOR and DFS are deterministic: one run per bug);
* **CPU to first failure** — ``time.process_time()`` of the run that found it, around the
  exploration only (after a warm-up exploration for the peers); for the grader both its whole
  grading (shrinking included) and, measured like the peers, its schedule exploration up to the
  first failing run; median over the failing runs;
* **false failures** — failures reported on ``fixed.py`` with the same seeds;
* **replay** — the failing run again in a new process with the same seed: the same kind of
  failure after the same number of schedules.

A scenario a peer cannot run is printed per bug with the reason, never dropped. The ratio is
the geometric mean, over the bugs both find, of grader CPU / peer CPU (per bug: medians).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "_peer_worker.py"
PEERS_VENV = ROOT / ".venv-peers"
SEEDED = ("frontrun-random", "interleave-random", "interleave-pct")
DETERMINISTIC = ("frontrun-dpor", "interleave-dfs")
TOOLS = (
    "frontrun-random",
    "frontrun-dpor",
    "interleave-random",
    "interleave-pct",
    "interleave-dfs",
)
CLASSES = ("race", "check-then-act", "deadlock", "condvar", "async")


def _python_312() -> str:
    """A Python >= 3.12 on this machine for interleave-test (its name for the install command)."""
    candidates = [shutil.which(f"python3.{minor}") for minor in (13, 12)]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.1[23]*/bin/python3"))
    for candidate in filter(None, candidates):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if (
                subprocess.run(
                    [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"],
                    capture_output=True,
                    timeout=20,
                ).returncode
                == 0
            ):
                return candidate
    return "3.12"


def install_command() -> str | None:
    """The one command that installs the peers, or None when both are there."""
    frontrun_ok = importlib.util.find_spec("frontrun") is not None
    interpreter = PEERS_VENV / "bin" / "python"
    interleave_ok = (
        interpreter.exists()
        and subprocess.run(
            [str(interpreter), "-c", "import interleave_test"], capture_output=True
        ).returncode
        == 0
    )
    if frontrun_ok and interleave_ok:
        return None
    return (
        f"uv sync --inexact --all-extras --group peers && UV_PROJECT_ENVIRONMENT=.venv-peers "
        f"uv sync --python {_python_312()} --only-group peers"
    )


def _command(tool: str) -> list[str]:
    if tool.startswith("frontrun"):  # frontrun refuses to explore outside its launcher
        return [sys.executable, "-m", "frontrun.cli", sys.executable, str(WORKER)]
    return [str(PEERS_VENV / "bin" / "python"), str(WORKER)]


def run_peer(
    tool: str, case: str, variant: str, seed: int, max_schedules: int, seconds: float
) -> dict[str, Any]:
    """One exploration in a new process; ``error`` when it gave no verdict in time."""
    request = {
        "tool": tool,
        "case": case,
        "variant": variant,
        "seed": seed,
        "max_schedules": max_schedules,
        "seconds": seconds,
    }
    child = subprocess.Popen(
        [*_command(tool), json.dumps(request)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, _ = child.communicate(timeout=3 * seconds + 30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        return {**request, "error": f"no verdict within {3 * seconds + 30:.0f} s (the tool hung)"}
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    lines = [json.loads(line) for line in (out or "").splitlines() if line.startswith("{")]
    return (
        lines[-1] if lines else {**request, "error": f"the worker died (exit {child.returncode})"}
    )


@dataclass
class ToolOnBug:
    """One tool's runs on one corpus case."""

    tool: str
    case: str
    bug: list[dict[str, Any]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    replays: list[bool] = field(default_factory=list)

    def cannot(self) -> str | None:
        """Why the tool could not run the scenario, if it could not."""
        for run in self.bug + self.fixed:
            if "cannot" in run:
                return f"cannot express: {run['cannot']}"
        return None

    def errors(self) -> list[str]:
        return sorted({run["error"] for run in self.bug + self.fixed if "error" in run})

    def found(self) -> list[dict[str, Any]]:
        return [run for run in self.bug if run.get("found")]

    def cpu(self) -> float | None:
        found = [run["cpu"] for run in self.found()]
        return statistics.median(found) if found else None

    def false_failures(self) -> int:
        return sum(1 for run in self.fixed if run.get("found"))


def explore_peers(
    cases: list[str], seeds: list[int], max_schedules: int, seconds: float
) -> dict[tuple[str, str], ToolOnBug]:
    """Every tool on every case, bug and fixed, then replays of the failures."""
    results = {(tool, case): ToolOnBug(tool, case) for tool in TOOLS for case in cases}
    jobs = [
        (tool, case, variant, seed)
        for (tool, case) in results
        for variant in ("bug", "fixed")
        for seed in (seeds if tool in SEEDED else seeds[:1])
    ]

    def job(item: tuple[str, str, str, int]) -> None:
        tool, case, variant, seed = item
        entry = results[(tool, case)]
        if entry.cannot():
            return
        getattr(entry, variant).append(run_peer(tool, case, variant, seed, max_schedules, seconds))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(job, jobs))

        def replay(entry: ToolOnBug) -> None:
            for run in entry.found():
                again = run_peer(entry.tool, entry.case, "bug", run["seed"], max_schedules, seconds)
                entry.replays.append(
                    bool(again.get("found"))
                    and again.get("kind") == run["kind"]
                    and again.get("schedules") == run["schedules"]
                )

        list(pool.map(replay, results.values()))
    return results


def grader_cpu(report: Any, measure: str = "cpu") -> float | None:
    """Median CPU-seconds of the grader's failing gradings of one case (``CaseReport``): the whole
    grading (``cpu``) or its schedule exploration up to the first failing run (``explore_cpu``)."""
    hits = [hit[measure] for hit in report.hits() if hit.get(measure)]
    return statistics.median(hits) if hits else None


def _geomean(values: list[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def _pct(hits: int, runs: int) -> str:
    return f"{hits}/{runs} ({100 * hits / runs:.0f}%)" if runs else "—"


def render(
    results: dict[tuple[str, str], ToolOnBug],
    reports: dict[str, Any],
    class_of: Any,
    seeds: list[int],
    max_schedules: int,
    seconds: float,
) -> None:
    """Per tool and class; per-bug notes; the CPU ratio grader/peer."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    table = Table(
        title=f"Grader vs peers — seeds {seeds}, peer budget {max_schedules} schedules / {seconds:g} s per run"
    )
    for column in (
        "tool",
        "class",
        "bugs run",
        "recall",
        "CPU-s→1st fail (median)",
        "false fail",
        "replay",
        "not run",
    ):
        table.add_column(column, justify="left" if column in ("tool", "class") else "right")
    by_class: dict[str, list[str]] = defaultdict(list)
    for case in reports:
        by_class[class_of(case)].append(case)
    for name, cases in sorted(by_class.items()):
        hits = [h for c in cases for h in reports[c].hits()]
        runs = sum(len(reports[c].bug_runs) for c in cases)
        fixed = sum(len(reports[c].fixed_runs) for c in cases)
        cpu = [h["cpu"] for h in hits]
        table.add_row(
            "grader",
            name,
            str(len(cases)),
            _pct(len(hits), runs),
            f"{statistics.median(cpu):.4f}" if cpu else "—",
            f"{sum(reports[c].false_fails() for c in cases)}/{fixed}",
            f"{sum(reports[c].replays_ok for c in cases)}/{sum(reports[c].replays for c in cases)}",
            "0",
        )
    for tool in TOOLS:
        for index, (name, cases) in enumerate(sorted(by_class.items())):
            entries = [results[(tool, c)] for c in cases]
            ran = [e for e in entries if not e.cannot()]
            found = [run for e in ran for run in e.found()]
            runs = sum(len(e.bug) for e in ran)
            cpu = [run["cpu"] for run in found]
            replays = [ok for e in ran for ok in e.replays]
            table.add_row(
                tool,
                name,
                str(len(ran)),
                _pct(len(found), runs),
                f"{statistics.median(cpu):.4f}" if cpu else "—",
                f"{sum(e.false_failures() for e in ran)}/{sum(len(e.fixed) for e in ran)}",
                f"{sum(replays)}/{len(replays)}" if replays else "—",
                str(len(entries) - len(ran)),
                end_section=index == len(by_class) - 1,
            )
    console.print(table)
    console.print(
        "Per bug, what a tool could not run or reported as an error (never counted as found):"
    )
    for (tool, case), entry in sorted(results.items(), key=lambda item: (item[0][1], item[0][0])):
        notes = [entry.cannot()] if entry.cannot() else entry.errors()
        for note in notes:
            console.print(f"  {case:34} {tool:18} {note}")
    console.print("Per bug, runs of bug.py that reported no failure (missed within the budget):")
    for case, report in sorted(reports.items()):
        misses = len(report.bug_runs) - len(report.hits())
        if misses:
            console.print(f"  {case:34} {'grader':18} missed {misses}/{len(report.bug_runs)}")
    for (tool, case), entry in sorted(results.items(), key=lambda item: (item[0][1], item[0][0])):
        missed = [run for run in entry.bug if not run.get("found") and "error" not in run]
        if missed and not entry.cannot():
            console.print(
                f"  {case:34} {tool:18} missed {len(missed)}/{len(entry.bug)} "
                f"({max(run.get('schedules', 0) for run in missed)} schedules at most)"
            )
    console.print("False failures on fixed.py (a failure reported on the correct twin):")
    for (tool, case), entry in sorted(results.items()):
        for run in entry.fixed:
            if run.get("found"):
                console.print(f"  {case:34} {tool:18} seed {run['seed']}: {run.get('kind')}")
    for (tool, case), entry in sorted(results.items()):
        for run in entry.bug + entry.fixed:
            if run.get("inconclusive"):
                console.print(
                    f"  inconclusive (the tool gave no verdict): {case} {run['variant']}.py {tool}"
                )
    per_bug_table(results, reports, console)
    for measure, what in (
        (
            "cpu",
            "the grader's whole grading (spec and program loading, static hints, "
            "every check, shrinking included)",
        ),
        (
            "explore_cpu",
            "the grader's schedule exploration up to its first failing run, "
            "measured as the peers are (around the exploration only)",
        ),
    ):
        console.print(
            f"\nCPU to first failure, geometric mean over the bugs both find (per bug: median CPU-s); "
            f"grader: {what}:"
        )
        for tool in TOOLS:
            pairs = []
            for case, report in reports.items():
                mine, theirs = grader_cpu(report, measure), results[(tool, case)].cpu()
                if mine and theirs:
                    pairs.append(mine / theirs)
            mean = _geomean(pairs)
            text = (
                f"grader/{tool} = {mean:.2f}× over {len(pairs)} bugs"
                if mean
                else f"no bug found by both grader and {tool}"
            )
            console.print(f"  {text}")


def per_bug_table(
    results: dict[tuple[str, str], ToolOnBug], reports: dict[str, Any], console: Any
) -> None:
    """Per bug: the grader's median CPU to first failure (whole grading, exploration only) next to
    frontrun-random's and interleave-random's, and the grader/frontrun-random ratios."""
    from rich.table import Table

    table = Table(title="Per bug: median CPU-s to first failure (found/runs)")
    for column in (
        "bug",
        "grader whole",
        "grader explore",
        "frontrun-random",
        "interleave-random",
        "whole/fr",
        "explore/fr",
    ):
        table.add_column(column, justify="left" if column == "bug" else "right")

    def cell(value: float | None, found: int, runs: int) -> str:
        return f"{_fmt4(value)} ({found}/{runs})"

    for case, report in sorted(reports.items()):
        whole, explore = grader_cpu(report, "cpu"), grader_cpu(report, "explore_cpu")
        hits = len(report.hits())
        fr, il = results[("frontrun-random", case)], results[("interleave-random", case)]
        theirs = fr.cpu()
        table.add_row(
            case,
            cell(whole, hits, len(report.bug_runs)),
            cell(explore, hits, len(report.bug_runs)),
            fr.cannot() or cell(theirs, len(fr.found()), len(fr.bug)),
            il.cannot() or cell(il.cpu(), len(il.found()), len(il.bug)),
            f"{whole / theirs:.2f}" if whole and theirs else "—",
            f"{explore / theirs:.2f}" if explore and theirs else "—",
        )
    console.print(table)


def _fmt4(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def save(path: str, results: dict[tuple[str, str], ToolOnBug], reports: dict[str, Any]) -> None:
    """Every run as JSON (the grader's without its findings' full text), to compare two runs."""
    payload = {
        "grader": {
            case: [
                {k: run.get(k) for k in ("seed", "cpu", "explore_cpu", "wall")}
                | {"found": any(h["seed"] == run["seed"] for h in report.hits())}
                for run in report.bug_runs
            ]
            for case, report in reports.items()
        },
        "peers": {
            f"{tool} {case}": {"bug": entry.bug, "fixed": entry.fixed, "replays": entry.replays}
            for (tool, case), entry in results.items()
        },
    }
    Path(path).write_text(json.dumps(payload, indent=1), encoding="utf-8")
