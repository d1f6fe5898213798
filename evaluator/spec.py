"""The spec API: how a challenge declares what "fixed" means, in a few lines.

A challenge's ``spec.py`` defines ``SPEC = ChallengeSpec(...)`` with a tuple of checks.
Each check is a small frozen declaration; the grader (inside the sandboxed child, see
``evaluator.harness``) calls ``check.run(program, ctx)`` with the learner's imported module
and gets back findings. Scenarios are plain functions that receive the learner's module, so a
spec reads like a test::

    def transfers(bank_mod):
        bank = bank_mod.Bank({"alice": 100, "bob": 100})
        t1 = threading.Thread(target=bank.transfer, args=("alice", "bob", 10))
        t2 = threading.Thread(target=bank.transfer, args=("bob", "alice", 10))
        t1.start(); t2.start(); t1.join(); t2.join()
        expect(bank.total() == 200, f"money was created or destroyed: total={bank.total()}")

    SPEC = ChallengeSpec(
        number=1, slug="deadlock", title="The bank that froze", ...,
        intended=FindingKind.DEADLOCK,
        checks=(ScheduleCheck("concurrent transfers", transfers),
                PerformanceCheck("transfers stay parallel", workload, reference="global_order")),
    )

Scenarios use plain ``threading``/``queue``/``asyncio``/``time``: the grader installs its
instrumented, controllable versions before the learner's module is imported.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Protocol, runtime_checkable

from evaluator.findings import Finding, FindingKind

__all__ = [
    "AsyncCheck",
    "BackpressureCheck",
    "ChallengeSpec",
    "Check",
    "CheckContext",
    "DeclaredCheck",
    "LeakCheck",
    "MemoryCheck",
    "PerformanceCheck",
    "PropertyCheck",
    "ScheduleCheck",
    "TimingCheck",
    "Violation",
    "expect",
    "settles",
]


def check_seed(base_seed: int, check_name: str) -> int:
    """The seed a check derives from the grading's seed: different per check, the same in every
    grading with that seed (the one seed-mixing rule of the scheduler and the simulated world)."""
    import zlib

    return base_seed * 1_000_003 + zlib.crc32(check_name.encode())


class Violation(AssertionError):
    """Raised by a scenario when a property of the program does not hold.

    ``evidence`` lines are shown to the learner under the finding.
    """

    def __init__(
        self, message: str, *evidence: str, kind: FindingKind = FindingKind.INVARIANT
    ) -> None:
        super().__init__(message)
        self.message = message
        self.evidence = tuple(evidence)
        self.kind = kind


def settles(done: Callable[[], bool], polls: int = 400, step: float = 0.001) -> bool:
    """Poll ``done()`` with short sleeps, then return it: in a ScheduleCheck scenario, whether a
    thread can finish while another stays blocked (a busy account, a hanging fetch).

    Polling rather than a join with a timeout: virtual time may end a timed wait while the thread
    is merely slow, whereas past the scheduler's adversarial prefix (300 decisions) every runnable
    thread gets its turn, so a thread that can finish has finished by the last poll.
    """
    import time

    for _ in range(polls):
        if done():
            return True
        time.sleep(step)
    return bool(done())


def expect(
    condition: object, message: str, *evidence: str, kind: FindingKind = FindingKind.INVARIANT
) -> None:
    """Raise :class:`Violation` unless ``condition`` holds (an ``assert`` that survives ``-O``)."""
    if not condition:
        raise Violation(message, *evidence, kind=kind)


@dataclass
class CheckContext:
    """What a running check may use. Built by the harness, one per grading."""

    seed: int
    """Base seed of this grading; a check derives its schedule/fault seeds from it."""
    program_path: Path
    """The learner's file (the grader reports ``program.py:LINE`` relative to it)."""
    challenge_dir: Path
    solutions_dir: Path
    replay: int | None = None
    """When set, run exactly this one failing seed again (``learn check N --replay SEED``)."""
    quick: bool = False
    """Smaller budgets (used by tests of the grader itself, never for a learner's verdict)."""
    rng: random.Random = field(init=False)
    measurements: dict[str, Any] = field(default_factory=dict)
    """Figures a check reports beside its findings (e.g. ``performance_ratio``)."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def load_reference(self, approach: str) -> ModuleType:
        """Import ``solutions/<challenge>/<approach>.py`` as a fresh module (for performance ratios)."""
        from evaluator.loader import load_program

        return load_program(self.solutions_dir / f"{approach}.py", name=f"reference_{approach}")


@runtime_checkable
class Check(Protocol):
    """Anything with a name that turns the learner's module into findings."""

    @property
    def name(self) -> str: ...

    def run(self, program: ModuleType, ctx: CheckContext) -> list[Finding]: ...


Scenario = Callable[[ModuleType], Any]
"""A function that exercises the learner's module; raises :class:`Violation` on a broken property."""


class DeclaredCheck:
    """Base of the declared checks: :meth:`run` imports the check's implementation
    (``evaluator.checks.<module>.<function>``, named by ``_runner``) only when it runs, so a
    challenge's spec file imports declarations, never the grading machinery."""

    _runner: ClassVar[tuple[str, str]]
    """(module under ``evaluator.checks``, function) that runs this kind of check."""

    def run(self, program: ModuleType, ctx: CheckContext) -> list[Finding]:
        """The findings of this check on the learner's module."""
        module, function = self._runner
        runner: Callable[[Any, ModuleType, CheckContext], list[Finding]] = getattr(
            importlib.import_module(f"evaluator.checks.{module}"), function
        )
        return runner(self, program, ctx)


@dataclass(frozen=True)
class ScheduleCheck(DeclaredCheck):
    """Run a threaded scenario under the controlled scheduler, over many interleavings.

    Blocking operations and preemption points (sync operations, line/opcode events in the
    learner's file) become scheduling decisions. A deadlock (every thread blocked) and a
    lock-order inversion are reported automatically; property violations come from the
    scenario raising :class:`Violation`, reported with the interleaving that caused them.
    """

    _runner: ClassVar[tuple[str, str]] = ("schedule", "run_schedule_check")

    name: str
    scenario: Callable[..., Any]
    """``scenario(program)``, or ``scenario(program, prepared=...)`` with ``prepare``."""
    kind: FindingKind = FindingKind.RACE
    """Finding kind for a :class:`Violation` raised by the scenario (deadlocks are always DEADLOCK)."""
    strategies: tuple[str, ...] = ("random", "focus")
    """Sampled strategies, round-robin ("dfs", "pct", "focus", "random"); DPOR runs interleaved
    with them. Random walks and focused PCT found the corpus bugs in the fewest schedules (DFS
    and plain PCT in 2-4x more); bounded DFS still shrinks a randomized failure."""
    preemption_bound: int = 2
    prepare: Callable[[ModuleType], Any] | None = None
    """Runs once, for real, before the exploration; the scenario is then called as
    ``scenario(program, prepared)`` (e.g. to measure a size the scenario must fill to)."""
    max_schedules: int = 400
    max_seconds: float = 8.0
    """A safety cap only: the budget is ``max_schedules`` (the same file and seed explore the same
    schedules); the cap stops a program whose every schedule is very slow."""
    hint: str = ""


@dataclass(frozen=True)
class AsyncCheck(DeclaredCheck):
    """Run an asyncio scenario on the seeded virtual-time loop, over several seeds.

    ``scenario(program)`` returns a coroutine. Sleeps cost no wall time; ready callbacks are
    reordered only where real asyncio is nondeterministic. "Every task waits and nothing can
    wake it" is a DEADLOCK finding with each task's stack; tasks still pending when the
    scenario's coroutine returns are a TASK_LEAK.
    """

    _runner: ClassVar[tuple[str, str]] = ("asyncio_check", "run_async_check")

    name: str
    scenario: Callable[[ModuleType], Coroutine[Any, Any, Any]]
    kind: FindingKind = FindingKind.RACE
    seeds: int = 20
    check_task_leaks: bool = True
    hint: str = ""


@dataclass(frozen=True)
class LeakCheck(DeclaredCheck):
    """Run a scenario for real and compare threads, asyncio tasks, child processes and fds to a baseline."""

    _runner: ClassVar[tuple[str, str]] = ("leaks", "run_leak_check")

    name: str
    scenario: Scenario
    kinds: tuple[str, ...] = ("threads", "tasks", "processes", "fds")
    grace_seconds: float = 0.5
    """How long leftovers may take to finish before they count as leaked."""
    hint: str = ""


@dataclass(frozen=True)
class MemoryCheck(DeclaredCheck):
    """Call ``workload(program, round)`` repeatedly; memory that grows in every tracked round after
    the warm-up is a MEMORY_LEAK, reported with the tracemalloc traceback of the growth."""

    _runner: ClassVar[tuple[str, str]] = ("memory", "run_memory_check")

    name: str
    workload: Callable[[ModuleType, int], Any]
    warmup_rounds: int = 2
    rounds: int = 5
    min_growth_bytes: int = 64 * 1024
    """Total growth over the tracked rounds below this is noise, never a leak."""
    hint: str = ""


@dataclass(frozen=True)
class TimingCheck(DeclaredCheck):
    """dudect-style: does ``compare(guess)`` take longer when the guess shares a longer prefix
    with the secret? Welch t-test between a fixed class (matching prefix) and a random class,
    fresh inputs for both. ``make_compare(program, secret)`` returns the function under test."""

    _runner: ClassVar[tuple[str, str]] = ("timing", "run_timing_check")

    name: str
    make_compare: Callable[[ModuleType, bytes], Callable[[bytes], Any]]
    secret_length: int = 32
    samples: int = 4000
    t_threshold: float = 10.0
    hint: str = ""


@dataclass(frozen=True)
class BackpressureCheck(DeclaredCheck):
    """``produce(program, n_items)`` floods the program with ``n`` items and returns the peak
    number of items buffered (the harness also samples instrumented queue depths and memory).
    If the peak grows with ``n`` (compared at ``sizes``), buffering is unbounded."""

    _runner: ClassVar[tuple[str, str]] = ("backpressure", "run_backpressure_check")

    name: str
    produce: Callable[[ModuleType, int], int | None]
    sizes: tuple[int, ...] = (200, 2000)
    hint: str = ""


@dataclass(frozen=True)
class PerformanceCheck(DeclaredCheck):
    """Run ``workload(program)`` and the same workload on a reference solution, each once under
    the scheduler's fair policy on virtual time (computation free, every wait costs its time).
    Waits that no longer overlap while the reference's do are SERIALIZED; more than
    ``max_ratio`` times the reference's virtual time is TOO_SLOW; a lock held across a wait
    that another thread needs is LOCK_HELD_DURING_IO. Deterministic: never a wall-clock verdict."""

    _runner: ClassVar[tuple[str, str]] = ("performance", "run_performance_check")

    name: str
    workload: Scenario
    reference: str
    """Approach name under ``solutions/<challenge>/`` to compare with."""
    max_ratio: float = 2.0
    require_concurrency: bool = True
    repeats: int = 1
    """Kept for compatibility: a virtual-time profile is deterministic, one run is enough."""
    hint: str = ""


@dataclass(frozen=True)
class PropertyCheck(DeclaredCheck):
    """Escape hatch: ``check(program, ctx)`` runs once and raises :class:`Violation` on failure."""

    _runner: ClassVar[tuple[str, str]] = ("property", "run_property_check")

    name: str
    check: Callable[[ModuleType, CheckContext], Any]
    kind: FindingKind = FindingKind.INVARIANT
    hint: str = ""


@dataclass(frozen=True)
class ChallengeSpec:
    """Everything the product knows about one challenge."""

    number: int
    slug: str
    title: str
    summary: str
    """One line for `learn list`: what the program does and what goes wrong."""
    concepts: tuple[str, ...]
    difficulty: int
    """1 (warm-up) to 5 (hard)."""
    intended: FindingKind
    """The finding the original program must fail with."""
    checks: tuple[Check, ...]
    hints: tuple[str, ...]
    """Progressive: `learn hint N` reveals one more each call."""
    time_budget_seconds: float = 8.0
    """Wall-clock deadline of the sandboxed grading."""
    run_entry: str = "main"
    """Function `learn run challenge N` calls to show the symptom."""
    program_loader: Callable[[Path, str], ModuleType] | None = None
    """How the grading child imports the learner's file (``load_program`` when None). The
    simulated challenges (9-16) import it inside the simulated world's guard instead."""
