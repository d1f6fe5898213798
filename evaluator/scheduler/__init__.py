"""The controlled thread scheduler: serialize real threads, explore interleavings, replay by seed.

``explore(...)`` runs a scenario under bounded-preemption DFS, PCT and random walks within a
budget; ``run_schedule(...)`` runs it once under one strategy (``chooser_from_seed`` turns a
printed seed back into that strategy, for exact replay).
"""

from __future__ import annotations

from evaluator.scheduler._controller import Abort, Controller, Decision, Step, ThreadRec
from evaluator.scheduler._outcome import RunOutcome
from evaluator.scheduler._run import (
    Budget,
    Exploration,
    ScheduleRun,
    explore,
    live_threads,
    run_schedule,
    unobserved,
)
from evaluator.scheduler._strategies import (
    DfsExplorer,
    FocusedPct,
    Guided,
    Pct,
    RandomWalk,
    chooser_from_seed,
)
from evaluator.scheduler._tracer import ProgramTracer, shared_names

__all__ = [
    "Abort",
    "Budget",
    "Controller",
    "Decision",
    "DfsExplorer",
    "Exploration",
    "FocusedPct",
    "Guided",
    "Pct",
    "ProgramTracer",
    "RandomWalk",
    "RunOutcome",
    "ScheduleRun",
    "Step",
    "ThreadRec",
    "chooser_from_seed",
    "explore",
    "live_threads",
    "run_schedule",
    "shared_names",
    "unobserved",
]
