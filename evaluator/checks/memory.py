"""MemoryCheck: memory that grows in every round of a repeated workload is a leak.

The rule is built to never fail a correct program:

* warm-up rounds first (caches fill, lazy imports happen, free lists settle);
* then a leak needs growth in EVERY tracked round (more than a few bytes of allocator noise)
  and a total above ``min_growth_bytes``;
* a suspected leak is confirmed by as many extra rounds, which must keep growing at no
  less than a quarter of the first rate (a bounded cache filling up slowly flattens out).

Evidence is the tracemalloc traceback of the allocation site that grew most, in the
learner's file.
"""

from __future__ import annotations

import gc
import itertools
import linecache
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evaluator.events import event_log
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, MemoryCheck

__all__ = ["grows_every_round", "run_memory_check"]

_FRAMES = 25
"""Frames tracemalloc records per allocation (deep enough to reach the learner's line through
library code)."""
_SHOWN_FRAMES = 8
"""Allocation sites shown as evidence of growth."""
_GRADER_DIR = str(Path(__file__).resolve().parent.parent)


_NOISE_SHARE = 8
"""A round "grows" when it adds at least 1/8 of its share of ``min_total``: a few bytes of
allocator noise on a flat round (a full bounded cache) are not growth."""


def grows_every_round(samples: list[int], min_total: int) -> bool:
    """True when every round grew (by more than noise) and the total growth is at least ``min_total``."""
    steps = [after - before for before, after in itertools.pairwise(samples)]
    floor = max(1, min_total // (len(steps) * _NOISE_SHARE)) if steps else 1
    return (
        bool(steps)
        and all(step >= floor for step in steps)
        and samples[-1] - samples[0] >= min_total
    )


def _measure(workload: Any, program: ModuleType, rounds: range) -> list[int]:
    samples = []
    for number in rounds:
        workload(program, number)
        gc.collect()
        samples.append(tracemalloc.get_traced_memory()[0])
    return samples


def _programs_own(stat: tracemalloc.StatisticDiff) -> bool:
    """Not allocated by the grader or tracemalloc itself (judged by the innermost frame, like a
    ``tracemalloc.Filter``; filtering the grouped statistics is ~10x faster than the traces)."""
    innermost = stat.traceback[-1].filename
    return innermost != tracemalloc.__file__ and not innermost.startswith(_GRADER_DIR + "/")


def _growth_evidence(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, program: Path
) -> tuple[list[str], str | None]:
    """The traceback of the biggest growth, the learner's frames marked, and its location."""
    stats = [
        s for s in after.compare_to(before, "traceback") if s.size_diff > 0 and _programs_own(s)
    ]
    if not stats:
        return [], None
    mine = [s for s in stats if any(Path(f.filename).name == program.name for f in s.traceback)]
    top = (mine or stats)[0]
    lines = [
        f"+{top.size_diff / 1024:.1f} KiB in {top.count_diff:+d} blocks allocated at (most recent call first):"
    ]
    location = None
    shown = [
        site for site in reversed(list(top.traceback)) if not site.filename.startswith(_GRADER_DIR)
    ]
    for site in shown[:_SHOWN_FRAMES]:  # most recent first, without the grader's own frames
        code = linecache.getline(site.filename, site.lineno).strip()
        lines.append(f"  {Path(site.filename).name}:{site.lineno}" + (f": {code}" if code else ""))
    for site in reversed(list(top.traceback)):
        if Path(site.filename).name == program.name:
            location = location or f"{program.name}:{site.lineno}"
    program_frames = [
        f"{program.name}:{f.lineno}" for f in top.traceback if Path(f.filename).name == program.name
    ]
    if program_frames:
        lines.insert(1, "in your file: " + " <- ".join(program_frames))
    return lines, location


def run_memory_check(check: MemoryCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """Run ``check.workload`` in rounds under tracemalloc and apply the growth rule."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start(_FRAMES)
    try:
        with event_log.paused():  # the instrumentation's event log would grow in every round
            return _rounds(check, program, ctx)
    finally:
        if not was_tracing:
            tracemalloc.stop()


def _rounds(check: MemoryCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """Warm-up, tracked and confirming rounds; a finding when the growth rule holds."""
    rounds = max(3, check.rounds // 2) if ctx.quick else check.rounds
    _measure(check.workload, program, range(check.warmup_rounds))
    first = tracemalloc.take_snapshot()
    start = check.warmup_rounds
    samples = [tracemalloc.get_traced_memory()[0]]
    samples += _measure(check.workload, program, range(start, start + rounds))
    if not grows_every_round(samples, check.min_growth_bytes):
        return []
    rate = (samples[-1] - samples[0]) / rounds
    more = [
        samples[-1],
        *_measure(check.workload, program, range(start + rounds, start + 2 * rounds)),
    ]
    if not grows_every_round(more, int(rate * rounds / 4)):
        return []
    evidence, location = _growth_evidence(first, tracemalloc.take_snapshot(), ctx.program_path)
    all_samples = samples + more[1:]
    growth = all_samples[-1] - all_samples[0]
    summary = ", ".join(f"{(b - a) / 1024:+.0f}" for a, b in itertools.pairwise(all_samples))
    return [
        Finding(
            kind=FindingKind.MEMORY_LEAK,
            severity=Severity.FAIL,
            title=f"memory grew in every one of {2 * rounds} rounds (+{growth / 1024:.0f} KiB in total)",
            evidence=(f"growth per round (KiB): {summary}", *evidence),
            hint=check.hint,
            location=location,
            check=check.name,
            data={"samples": all_samples},
        )
    ]
