"""How strong is the grader? Recall, false FAILs, replay fidelity, efficiency against stress, speed.

    uv run python benchmarks/grader_power.py [--reruns 10] [--cases PATTERN] [--budget-seconds N] [--full]
    uv run python benchmarks/grader_power.py --peers [--reruns 3] [--cases PATTERN]  # vs frontrun, interleave-test

Method (every figure is measured in this run, nothing is hard-coded):

* **Recall** — every ``tests/corpus/<class>_<name>/bug.py`` is graded R times, each with a
  different base seed; a grading counts when it FAILs with the spec's ``intended`` kind.
  Gradings run in-process in a fresh child per (case, variant) exactly as the sandboxed harness
  runs them (instrumentation installed first, then ``evaluator.harness.grade_in_child``) — the
  sandbox only adds process set-up, which the last figure measures separately. Budgets are the
  grader's ``quick`` ones (80 schedules / 0.4 s per ScheduleCheck, 5 asyncio seeds) unless
  ``--full`` gives the learner's budgets: recall under the smaller budget is the harder test.
* **False FAILs** — the ``fixed.py`` twins graded with the same R seeds; any FAIL counts.
* **Schedules / seconds to first failure** — of the failing check (``CheckOutcome.schedules``,
  which ScheduleCheck/AsyncCheck fill from ``ctx.measurements``), median over the failing gradings.
* **Replay fidelity** — every intended FAIL that carries a seed is graded again with
  ``replay=seed`` in a *new* child process (one per case); it counts when a FAIL of the same kind
  with identical evidence lines comes back.
* **Bugs per CPU-second vs a stress loop** (race/cta/deadlock/condvar/async) — the same scenario,
  same program, plain ``threading`` (or ``asyncio.run`` on a real loop) with no instrumentation
  and no scheduler, called in a loop in a child until it has used a fixed ``--stress-cpu``
  CPU-seconds per case. A run that raises (a Violation, or any
  exception in any thread) is a detection; a run that stops making progress for
  ``--stall-seconds`` is a deadlock: one detection, the child exits and a new one continues the
  budget. Stress CPU is ``resource.getrusage(RUSAGE_CHILDREN)`` before/after each child, minus the
  child's measured start-up CPU (a child that only imports the spec and program), so neither side
  pays for interpreter start-up. Grader CPU is ``time.process_time()`` around each in-process
  grading. Rate = detections / CPU-seconds; a grading finds at most one bug, so the grader's rate
  is failing gradings / their CPU. The ratio is printed as measured; when the stress loop found
  nothing it says so ("stress found 0 in N CPU-s") instead of a bound that is really its budget.
* ``--peers`` — the same bugs through frontrun and interleave-test (see ``grader_peers.py``).
* **Correct program through the sandbox** — wall time of ``evaluator.grade`` (full learner budget,
  fresh sandbox each) on a few corpus ``fixed.py`` files and on challenge 1's reference solutions.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "corpus"
WORKER = Path(__file__).resolve().parent / "_power_worker.py"
STRESS_CLASSES = ("race", "check-then-act", "deadlock", "condvar", "async")
_CLASS_PREFIXES = (
    ("thread_leak", "thread-leak"),
    ("fd_leak", "fd-leak"),
    ("process_leak", "process-leak"),
    ("unbounded_queue", "unbounded-queue"),
    ("lock_held_during_io", "held-lock"),
    ("held_lock", "held-lock"),
    ("cta", "check-then-act"),
    ("memory", "memory-leak"),
    ("timing", "timing-leak"),
)
SANDBOX_FIXED = (
    "race_global_counter",
    "deadlock_transfer",
    "async_lost_update",
    "thread_leak_queue_worker",
)


def bug_class(case: str) -> str:
    """Group a corpus folder by its prefix (``thread_leak_timer`` → ``thread-leak``)."""
    for prefix, name in _CLASS_PREFIXES:
        if case.startswith(prefix + "_"):
            return name
    return case.split("_", 1)[0]


@dataclass
class CaseReport:
    """Everything measured about one corpus case."""

    name: str
    intended: str
    bug_runs: list[dict[str, Any]] = field(default_factory=list)
    fixed_runs: list[dict[str, Any]] = field(default_factory=list)
    replays_ok: int = 0
    replays: int = 0
    replay_mismatches: list[str] = field(default_factory=list)
    stress_detections: int = 0
    stress_runs: int = 0
    stress_cpu: float = 0.0

    def hits(self) -> list[dict[str, Any]]:
        """Bug gradings that FAIL with the intended kind (each with its first such finding)."""
        out = []
        for run in self.bug_runs:
            finding = next(
                (
                    f
                    for f in run["grade"]["findings"]
                    if f["severity"] == "fail" and f["kind"] == self.intended
                ),
                None,
            )
            if finding is not None:
                out.append({**run, "finding": finding})
        return out

    def false_fails(self) -> int:
        return sum(
            1
            for run in self.fixed_runs
            if any(f["severity"] == "fail" for f in run["grade"]["findings"])
        )


# --- running children ---------------------------------------------------------------------


def _child(mode: str, request: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    """Run the worker in its own session; its JSON lines (whatever it printed before a timeout).

    Processes a leaky program left behind share that session and are killed with it.
    """
    child = subprocess.Popen(
        [sys.executable, str(WORKER), mode, json.dumps(request)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    return [json.loads(line) for line in (out or "").splitlines() if line.startswith("{")]


def grade_runs(
    case: str, variant: str, runs: list[tuple[int, int | None]], quick: bool, warm_up: bool = False
) -> list[dict[str, Any]]:
    folder = CORPUS / case
    request = {
        "program": str(folder / f"{variant}.py"),
        "spec": f"{folder / 'spec.py'}:SPEC",
        "quick": quick,
        "runs": runs,
        "warm_up": warm_up,
    }
    return _child("grade", request, timeout=30.0 + 15.0 * len(runs))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stress_case(report: CaseReport, cpu_budget: float, stall: float, wall_cap: float) -> None:
    """Plain-threads stress loop on ``bug.py`` until ``cpu_budget`` CPU-seconds are spent."""
    folder = CORPUS / report.name
    base = {
        "spec_path": str(folder / "spec.py"),
        "program": str(folder / "bug.py"),
        "stall_seconds": stall,
    }
    before = _children_cpu()
    _child("noop", base, timeout=30.0)
    startup = _children_cpu() - before
    began = time.perf_counter()
    while report.stress_cpu < cpu_budget and time.perf_counter() - began < wall_cap:
        before = _children_cpu()
        lines = _child(
            "stress",
            {**base, "cpu_budget": cpu_budget - report.stress_cpu},
            timeout=wall_cap + stall,
        )
        report.stress_cpu += max(0.0, _children_cpu() - before - startup)
        outcomes = [line["outcome"] for line in lines]
        report.stress_runs += sum(1 for o in outcomes if o in ("ok", "fail", "hang"))
        report.stress_detections += sum(1 for o in outcomes if o in ("fail", "hang"))
        if not outcomes or outcomes[-1] not in ("hang", "budget"):
            report.stress_detections += 1  # the child itself was stuck past the deadline: a hang
            report.stress_runs += 1


def check_replays(report: CaseReport, quick: bool) -> None:
    hits = [h for h in report.hits() if h["finding"].get("seed") is not None]
    if not hits:
        return
    replayed = grade_runs(
        report.name, "bug", [(h["seed"], h["finding"]["seed"]) for h in hits], quick
    )
    by_replay = {r["replay"]: r for r in replayed}
    for hit in hits:
        report.replays += 1
        original = hit["finding"]
        again = by_replay.get(original["seed"])
        same = again is not None and any(
            f["severity"] == "fail"
            and f["kind"] == original["kind"]
            and f["evidence"] == original["evidence"]
            for f in again["grade"]["findings"]
        )
        if same:
            report.replays_ok += 1
        else:
            report.replay_mismatches.append(f"{report.name} seed {original['seed']}")


def sandbox_times() -> list[tuple[str, float, bool]]:
    """Wall seconds of ``evaluator.grade`` (full budget, real sandbox) on correct programs."""
    from challenges import grade_challenge
    from evaluator import grade

    out = []
    for case in SANDBOX_FIXED:
        folder = CORPUS / case
        if (folder / "fixed.py").exists():
            started = time.perf_counter()
            result = grade(folder / "fixed.py", spec_ref=f"{folder / 'spec.py'}:SPEC", seed=7)
            out.append((f"{case}/fixed.py", time.perf_counter() - started, result.passed))
    for path in sorted((ROOT / "solutions" / "challenge01_deadlock").glob("*.py")):
        started = time.perf_counter()
        result = grade_challenge(path, 1, seed=7)
        out.append((f"challenge01/{path.name}", time.perf_counter() - started, result.passed))
    return out


# --- report -------------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


def _rate(detections: int, cpu: float) -> float | None:
    return detections / cpu if cpu > 0 else None


def _ratio(row: dict[str, Any]) -> float | None:
    """Grader rate / stress rate, as measured; None when either is missing or stress found nothing."""
    if row["grader_rate"] is None or not row["stress_rate"]:
        return None
    return row["grader_rate"] / row["stress_rate"]


def _ratio_text(row: dict[str, Any]) -> str:
    if row["stress_rate"] == 0 and row["stress_cpu"]:
        return f"stress found 0 in {row['stress_cpu']:.1f} CPU-s"
    ratio = _ratio(row)
    return "—" if ratio is None else f"{ratio:.1f}×"


def summarize(reports: list[CaseReport]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseReport]] = defaultdict(list)
    for report in reports:
        groups[bug_class(report.name)].append(report)
    rows: dict[str, dict[str, Any]] = {}
    for name, members in [*sorted(groups.items()), ("ALL", reports)]:
        hits = [h for r in members for h in r.hits()]
        bug_runs = [run for r in members for run in r.bug_runs]
        schedules = [
            c["schedules"]
            for h in hits
            for c in h["grade"]["checks"]
            if not c["passed"] and c["schedules"]
        ]
        seconds = [c["seconds"] for h in hits for c in h["grade"]["checks"] if not c["passed"]]
        stressed = [r for r in members if r.stress_cpu > 0]
        grader_cpu = sum(h["cpu"] for r in stressed for h in r.bug_runs)
        grader_hits = sum(len(r.hits()) for r in stressed)
        rows[name] = {
            "cases": len(members),
            "hits": len(hits),
            "runs": len(bug_runs),
            "recall": len(hits) / len(bug_runs) if bug_runs else None,
            "false": sum(r.false_fails() for r in members),
            "fixed_runs": sum(len(r.fixed_runs) for r in members),
            "schedules": _median([float(s) for s in schedules]),
            "seconds": _median(seconds),
            "replay_ok": sum(r.replays_ok for r in members),
            "replays": sum(r.replays for r in members),
            "grader_rate": _rate(grader_hits, grader_cpu) if stressed else None,
            "stress_rate": _rate(
                sum(r.stress_detections for r in stressed), sum(r.stress_cpu for r in stressed)
            )
            if stressed
            else None,
            "stress_cpu": sum(r.stress_cpu for r in stressed),
            "stress": f"{sum(r.stress_detections for r in stressed)}/{sum(r.stress_runs for r in stressed)}"
            if stressed
            else "—",
        }
    return rows


def render(
    rows: dict[str, dict[str, Any]],
    reruns: int,
    sandbox: list[tuple[str, float, bool]],
    mismatches: list[str],
    skipped: int,
    elapsed: float,
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    table = Table(
        title=f"Grader power — {reruns} rerun(s) per program, base seeds differ per rerun"
    )
    for column in (
        "class",
        "cases",
        "recall",
        "false FAIL",
        "sched.",
        "s→FAIL",
        "replay",
        "grader/CPU-s",
        "stress/CPU-s",
        "stress det/runs",
        "ratio",
    ):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, row in rows.items():
        ratio_text = _ratio_text(row)
        table.add_row(
            name,
            str(row["cases"]),
            f"{row['hits']}/{row['runs']} ({100 * row['recall']:.0f}%)"
            if row["recall"] is not None
            else "—",
            f"{row['false']}/{row['fixed_runs']}",
            _fmt(row["schedules"], ".0f"),
            _fmt(row["seconds"]),
            f"{row['replay_ok']}/{row['replays']}" if row["replays"] else "—",
            _fmt(row["grader_rate"], ".1f"),
            _fmt(row["stress_rate"], ".2f"),
            row["stress"],
            ratio_text,
            end_section=name == list(rows)[-2],
        )
    console.print(table)
    if sandbox:
        console.print("Sandbox (evaluator.grade, full budget) on correct programs:")
    for label, seconds, passed in sandbox:
        console.print(f"  {label:40} {seconds:6.2f} s  {'PASS' if passed else 'FAIL (unexpected)'}")
    for line in mismatches:
        console.print(f"  replay mismatch: {line}")
    if skipped:
        console.print(
            f"[yellow]{skipped} grading job(s) skipped: --budget-seconds reached[/yellow]"
        )
    total = rows["ALL"]
    per_class = [r["recall"] for n, r in rows.items() if n != "ALL" and r["recall"] is not None]
    worst = min(per_class) if per_class else None
    median_sandbox = _median([s for _, s, _ in sandbox])

    ratio = _ratio(total)

    def verdict(ok: bool) -> str:
        return "[green]met[/green]" if ok else "[red]missed[/red]"

    console.print(f"\nSummary ({elapsed:.0f} s):")
    console.print(
        f"  recall ≥ 95% in every class: {verdict(worst is not None and worst >= 0.95)} "
        f"(lowest class {_fmt(None if worst is None else 100 * worst, '.0f')}%, overall "
        f"{_fmt(None if total['recall'] is None else 100 * total['recall'], '.1f')}%)"
    )
    console.print(
        f"  0 false FAILs on fixed twins: {verdict(total['false'] == 0)} "
        f"({total['false']} of {total['fixed_runs']} gradings)"
    )
    fidelity = total["replay_ok"] / total["replays"] if total["replays"] else None
    console.print(
        f"  replay fidelity 100%: {verdict(fidelity == 1.0)} ({total['replay_ok']}/{total['replays']})"
    )
    console.print(
        f"  ≥ 10× the stress loop's bugs per CPU-second: "
        f"{verdict((ratio is not None and ratio >= 10) or (total['stress_rate'] == 0 and bool(total['grader_rate'])))} "
        f"(grader {_fmt(total['grader_rate'], '.1f')}/CPU-s vs stress {_fmt(total['stress_rate'], '.2f')}"
        f"/CPU-s: {_ratio_text(total)})"
    )
    if median_sandbox is None:
        console.print(
            "  correct program graded in ≤ 2 s median (sandbox): not measured (--no-sandbox)"
        )
    else:
        console.print(
            f"  correct program graded in ≤ 2 s median (sandbox): "
            f"{verdict(median_sandbox <= 2.0)} ({median_sandbox:.2f} s over {len(sandbox)} gradings)"
        )


# --- main ---------------------------------------------------------------------------------


def select_cases(pattern: str | None) -> list[str]:
    cases = sorted(p.name for p in CORPUS.iterdir() if (p / "spec.py").is_file())
    if not pattern:
        return cases
    wanted = [p.strip() for p in pattern.split(",") if p.strip()]
    return [c for c in cases if any(fnmatch.fnmatch(c, w) or w in c for w in wanted)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reruns", type=int, default=10, help="gradings per program, each with another base seed"
    )
    parser.add_argument(
        "--cases", help="comma-separated glob(s) or substrings of corpus folder names"
    )
    parser.add_argument(
        "--budget-seconds",
        type=float,
        default=300.0,
        help="wall-clock budget: grading jobs not started by then are skipped (and reported)",
    )
    parser.add_argument(
        "--full", action="store_true", help="the learner's full exploration budgets, not quick ones"
    )
    parser.add_argument(
        "--stress-cpu",
        type=float,
        default=2.0,
        help="CPU-seconds given to the stress loop, per case",
    )
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=0.5,
        help="a stress run this long without finishing is a hang",
    )
    parser.add_argument(
        "--no-sandbox", action="store_true", help="skip the sandbox timing of correct programs"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="run frontrun and interleave-test on the same bugs (optional dependency group 'peers')",
    )
    parser.add_argument(
        "--peer-schedules", type=int, default=1000, help="--peers: schedules per peer run, at most"
    )
    parser.add_argument(
        "--peer-seconds", type=float, default=10.0, help="--peers: seconds per peer run, at most"
    )
    parser.add_argument(
        "--save", metavar="JSON", help="--peers: also write every run's figures to this file"
    )
    args = parser.parse_args(argv)
    if args.reruns < 1:
        parser.error("--reruns must be at least 1")
    cases = select_cases(args.cases)
    if args.peers:
        from benchmarks import grader_peers

        command = grader_peers.install_command()
        if command is not None:
            print(
                f"--peers needs frontrun and interleave-test (Python >= 3.12); install them with: {command}",
                file=sys.stderr,
            )
            raise SystemExit(2)
        cases = [c for c in cases if bug_class(c) in grader_peers.CLASSES]
    if not cases:
        parser.error(f"no corpus case matches {args.cases!r}")
    began = time.perf_counter()
    quick = not args.full
    from evaluator.loader import load_program

    reports = {
        c: CaseReport(
            c, load_program(CORPUS / c / "spec.py", name=f"power_spec_{c}").SPEC.intended.value
        )
        for c in cases
    }
    seeds: list[tuple[int, int | None]] = [(1 + 7919 * i, None) for i in range(args.reruns)]
    skipped = 0

    def job(case: str, variant: str) -> None:
        nonlocal skipped
        if time.perf_counter() - began > args.budget_seconds:
            skipped += 1
            return
        runs = grade_runs(
            case, variant, seeds, quick, warm_up=args.peers
        )  # peers get a warm-up too
        setattr(reports[case], f"{variant}_runs", runs)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: one grading child per core
        list(pool.map(lambda cv: job(*cv), [(c, v) for c in cases for v in ("bug", "fixed")]))
        list(pool.map(lambda r: check_replays(r, quick), reports.values()))
    if args.peers:
        results = grader_peers.explore_peers(
            cases, [seed for seed, _ in seeds], args.peer_schedules, args.peer_seconds
        )
        grader_peers.render(
            results,
            reports,
            bug_class,
            [seed for seed, _ in seeds],
            args.peer_schedules,
            args.peer_seconds,
        )
        if args.save:
            grader_peers.save(args.save, results, reports)
        print(
            f"({time.perf_counter() - began:.0f} s; grader budgets: {'full' if args.full else 'quick'})"
        )
        return
    for report in reports.values():
        if bug_class(report.name) in STRESS_CLASSES and report.bug_runs:
            stress_case(
                report, args.stress_cpu, args.stall_seconds, wall_cap=8.0 + 4 * args.stress_cpu
            )
    sandbox = [] if args.no_sandbox else sandbox_times()
    mismatches = [m for r in reports.values() for m in r.replay_mismatches]
    render(
        summarize(list(reports.values())),
        args.reruns,
        sandbox,
        mismatches,
        skipped,
        time.perf_counter() - began,
    )


if __name__ == "__main__":
    main()
