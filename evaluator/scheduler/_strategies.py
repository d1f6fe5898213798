"""Scheduling strategies: the probe, guided (DFS, DPOR and replay), PCT, focused PCT and random walk.

A strategy only answers "which of these enabled threads runs next?" at each decision (a point
where more than one thread could run). Each one can print itself as a replay seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from evaluator.scheduler import _seed
from evaluator.scheduler._controller import (
    OPAQUE,
    Controller,
    Decision,
    ThreadRec,
    Transition,
    default_choice,
    dependent,
    focus_point,
)

__all__ = [
    "DfsExplorer",
    "DporExplorer",
    "FocusRoundRobin",
    "FocusedPct",
    "Guided",
    "Pct",
    "RandomWalk",
    "chooser_from_seed",
]


@dataclass
class Guided:
    """The default policy, except at the decision indices in ``deviations`` (index → thread id)."""

    deviations: dict[int, int] = field(default_factory=dict)
    name: str = "dfs"
    random_seed = 1
    """The learner's ``random`` stream under every guided schedule (see ``run_schedule``)."""

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        tid = self.deviations.get(index)
        if tid is not None:
            for rec in enabled:
                if rec.tid == tid:
                    return rec
        return default_choice(ctl, current, enabled)

    @property
    def seed(self) -> int:
        return _seed.encode_deviations(self.deviations)

    def describe(self) -> str:
        return f"bounded DFS ({len(self.deviations)} forced choices)"


class FocusRoundRobin(Guided):
    """The first schedule of an exploration: the default policy, except that at every focus point
    (right after a shared read, right before a nested acquire) and right after a lock release,
    the running thread hands over to the next thread in id order (round-robin) that can run
    without moving the clock (time passes as under the default schedule).

    That is where the common bugs open — a lost update needs one thread between another's read
    and write, a lock-order deadlock every thread holding its first lock, an invariant split over
    two critical sections a reader between them — so one deterministic run finds most of them
    before any search starts. Its choices are recorded as deviations from the default policy,
    so its seed replays under plain :class:`Guided`.
    """

    def __init__(self) -> None:
        super().__init__(name="probe")
        self._held: dict[int, int] = {}

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        default = default_choice(ctl, current, enabled)
        if current is None or default is not current:
            return default
        held, before = len(current.held), self._held.get(current.tid, 0)
        self._held[current.tid] = held
        if not (focus_point(current) or held < before):
            return default
        # Only threads that can run now: handing over to a timed waiter would move the clock
        # while this thread could still run (the default schedule's timing is kept).
        others = [r for r in ctl.runnable if r is not current]
        if not others:
            return default
        later = [r for r in others if r.tid > current.tid]
        chosen = later[0] if later else others[0]
        self.deviations[index] = chosen.tid
        return chosen

    def describe(self) -> str:
        return f"round-robin at focus points ({len(self.deviations)} forced choices)"


class RandomWalk:
    """Uniformly random among the enabled threads at every decision."""

    name = "random"

    def __init__(self, rng_seed: int) -> None:
        self.rng_seed = rng_seed
        self._rng = random.Random(rng_seed)

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        return self._rng.choice(enabled)

    @property
    def seed(self) -> int:
        return _seed.encode(_seed.TAG_RANDOM, [self.rng_seed])

    def describe(self) -> str:
        return "random walk"


class Pct:
    """Probabilistic concurrency testing: random thread priorities, ``depth - 1`` priority drops.

    Finds a bug of depth d with probability at least 1/(n k^(d-1)) per run (Burckhardt et al.).
    """

    name = "pct"

    def __init__(self, depth: int, k: int, rng_seed: int) -> None:
        self.depth, self.k, self.rng_seed = depth, max(1, k), rng_seed
        self._rng = random.Random(rng_seed)
        points = self._rng.sample(range(self.k), min(depth - 1, self.k))
        self._drops = {point: level for level, point in enumerate(sorted(points))}
        self._priority: dict[int, float] = {}

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        return self._choose_at(enabled, index)

    def _choose_at(self, enabled: list[ThreadRec], point: int | None) -> ThreadRec:
        """The highest-priority enabled thread, after the priority drop due at ``point`` (if any)."""
        for rec in enabled:
            if rec.tid not in self._priority:
                self._priority[rec.tid] = self.depth + self._rng.random()
        if point in self._drops:
            top = max(enabled, key=lambda r: self._priority[r.tid])
            self._priority[top.tid] = self._drops[point] / self.depth
        return max(enabled, key=lambda r: self._priority[r.tid])

    @property
    def seed(self) -> int:
        return _seed.encode(_seed.TAG_PCT, [self.depth, self.k, self.rng_seed])

    def describe(self) -> str:
        return f"PCT depth {self.depth}"


class FocusedPct(Pct):
    """PCT whose priority drops fall only at focus points (after a shared read, before a nested
    lock acquire; see ``focus_point``), so ``k`` counts those points, not every decision.

    A check-then-act race needs one preemption right after the check and a three-lock ring two
    hold-and-wait preemptions; with k in the tens instead of the hundreds, PCT's bound
    1/(n k^(d-1)) per run becomes a few runs instead of hundreds.
    """

    name = "focus"

    def __init__(self, depth: int, k: int, rng_seed: int) -> None:
        super().__init__(depth, k, rng_seed)
        self._points = 0

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        point = None
        if focus_point(current):
            point, self._points = self._points, self._points + 1
        return self._choose_at(enabled, point)

    @property
    def seed(self) -> int:
        return _seed.encode(_seed.TAG_FOCUS, [self.depth, self.k, self.rng_seed])

    def describe(self) -> str:
        return f"focused PCT depth {self.depth}"


def chooser_from_seed(seed: int) -> Guided | RandomWalk | Pct | FocusedPct:
    """The strategy a printed seed stands for; ValueError if it is not a schedule seed."""
    tag, values = _seed.decode(seed)
    if tag == _seed.TAG_GUIDED:
        return Guided(_seed.decode_deviations(values), name="replay")
    if tag == _seed.TAG_RANDOM and len(values) == 1:
        return RandomWalk(values[0])
    if tag == _seed.TAG_PCT and len(values) == 3:
        return Pct(*values)
    if tag == _seed.TAG_FOCUS and len(values) == 3:
        return FocusedPct(*values)
    raise ValueError(f"seed {seed} is not a thread-schedule seed")


class DfsExplorer:
    """Stateless bounded-preemption search, fewest preemptions first, focus points first.

    A schedule is its set of deviations from the default (non-preemptive) policy. After a run,
    every alternative at a decision after the schedule's last deviation is a new schedule
    (so each is generated once); it goes to the pool of its preemption count. Pools are drained
    lowest count first, in seeded random order, so the first failure found needs the fewest
    preemptions among those explored. Within a count, schedules whose newest preemption falls
    at a focus point (after a shared read, before a nested acquire) go first: that is where
    races and lock-order deadlocks open, so bugs surface in the first few dozen schedules.
    """

    POOL_LIMIT = 50_000

    def __init__(self, bound: int, rng: random.Random) -> None:
        self.bound = bound
        self._rng = rng
        root: dict[int, int] = {}
        self._focused: list[list[dict[int, int]]] = [[] for _ in range(bound + 1)]
        self._pools: list[list[dict[int, int]]] = [[root], *([] for _ in range(bound))]

    @property
    def exhausted(self) -> bool:
        return not any(self._pools) and not any(self._focused)

    def next(self) -> Guided | None:
        for focused, pool in zip(self._focused, self._pools, strict=True):
            for candidates in (focused, pool):
                if candidates:
                    i = self._rng.randrange(len(candidates))
                    candidates[i], candidates[-1] = candidates[-1], candidates[i]
                    return Guided(candidates.pop())
        return None

    def feedback(self, chooser: Guided, decisions: list[Decision]) -> None:
        last = max(chooser.deviations, default=-1)
        preemptions = 0
        for j, decision in enumerate(decisions):
            if j > last:
                for alt in decision.enabled:
                    if alt == decision.chosen:
                        continue
                    preempts = decision.current is not None and alt != decision.current
                    cost = preemptions + preempts
                    if cost <= self.bound:
                        pools = self._focused if preempts and decision.focus else self._pools
                        self._add(pools[cost], {**chooser.deviations, j: alt})
            if decision.current is not None and decision.chosen != decision.current:
                preemptions += 1

    def _add(self, pool: list[dict[int, int]], deviations: dict[int, int]) -> None:
        if len(pool) < self.POOL_LIMIT:
            pool.append(deviations)
        else:
            pool[self._rng.randrange(len(pool))] = deviations


Footprint = dict[tuple[Any, ...], bool]


@dataclass
class _Node:
    """A scheduling decision of the exploration tree, reached by one prefix of choices."""

    options: tuple[int, ...]
    done: set[int] = field(default_factory=set)
    backtrack: set[int] = field(default_factory=set)
    steps: dict[int, Footprint] = field(default_factory=dict)
    """Footprint of the step each explored choice ran first."""
    sleep: dict[int, Footprint] = field(default_factory=dict)
    """Threads asleep here: their next step commutes with everything since it was explored."""


class DporGuided(Guided):
    """A DPOR schedule: a forced prefix of choices, then the default policy among awake threads.

    Sleep sets (Godefroid): a thread whose next step was already explored at an earlier branch,
    and nothing since has touched what that step touches, would only reorder commuting steps,
    so it is not chosen while another thread can run.
    """

    def __init__(self, prefix: tuple[int, ...], sleep: dict[int, Footprint]) -> None:
        super().__init__(dict(enumerate(prefix)), name="dpor")
        self.branch = len(prefix) - 1
        self._sleep = dict(sleep)
        self._seen = -1
        self.sleep_at: dict[int, dict[int, Footprint]] = {}

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec:
        if index <= self.branch:
            if index == self.branch:
                self._seen = len(ctl.trail) - 1  # the branch's own step is the next one
            return super().choose(ctl, current, enabled, index)
        for step in ctl.trail[self._seen + 1 :]:
            if step.footprint:
                self._sleep = {
                    tid: fp for tid, fp in self._sleep.items() if not dependent(fp, step.footprint)
                }
        self._seen = len(ctl.trail) - 1
        self.sleep_at[index] = dict(self._sleep)
        awake = [r for r in enabled if r.tid not in self._sleep]
        chosen = default_choice(ctl, current, awake or enabled)
        if chosen is not default_choice(ctl, current, enabled):
            self.deviations[index] = chosen.tid  # so the printed seed replays under plain Guided
        return chosen


class DporExplorer:
    """Dynamic partial-order reduction with sleep sets (Flanagan & Godefroid, POPL 2005), stateless.

    Two schedules that only swap steps which commute (they touch no common object, or both only
    read it) end in the same state, so only one of them needs running. After each run, every
    race — dependent steps of different threads, not already ordered through other steps — adds
    a backtrack point: at the decision before the earlier step, the later step's thread runs
    first (or, if it could not run there, every thread that could). Exploration ends when no
    decision has an unexplored backtrack choice: every distinct ordering of dependent steps ran.

    The claim holds for the steps the grader sees (see ``Transition``): code it cannot see into
    is opaque (dependent with everything), and a run cut short (step limit, adversarial prefix
    spent, trail too long) makes ``complete`` False: exhaustion is then no proof.
    """

    NODE_LIMIT = 20_000

    def __init__(self) -> None:
        self._tree: dict[tuple[int, ...], _Node] = {}
        self._pending: set[tuple[int, ...]] = set()
        """Prefixes of nodes that may have backtrack choices left."""
        self.complete = True
        self.runs = 0
        """Runs fed back, the caller's root (default) schedule first."""

    @property
    def exhausted(self) -> bool:
        return self.runs > 0 and self._frontier() is None

    def _frontier(self) -> tuple[tuple[int, ...], _Node] | None:
        """The deepest decision with a backtrack choice still to run (depth-first)."""
        while self._pending:
            prefix = max(self._pending, key=len)
            node = self._tree[prefix]
            if node.backtrack - node.done - node.sleep.keys():
                return prefix, node
            self._pending.discard(prefix)
        return None

    def next(self) -> Guided | None:
        """The next backtrack choice, as a schedule; None when none is left (or before the root ran)."""
        frontier = self._frontier()
        if frontier is None:
            return None
        prefix, node = frontier
        tid = min(node.backtrack - node.done - node.sleep.keys())
        asleep = {**node.sleep, **{p: fp for p, fp in node.steps.items() if p != tid}}
        node.done.add(tid)
        return DporGuided((*prefix, tid), asleep)

    def feedback(
        self, chooser: Guided, decisions: list[Decision], trail: list[Transition], cut_short: bool
    ) -> None:
        """Add ``decisions`` to the tree and backtrack points for every race in ``trail``."""
        self.runs += 1
        if cut_short:
            self.complete = False
        sleep_at = getattr(chooser, "sleep_at", {})
        first_steps = {step.decision: step.footprint for step in trail if step.decision is not None}
        choices = [d.chosen for d in decisions]
        for i, decision in enumerate(decisions):
            prefix = tuple(choices[:i])
            node = self._tree.get(prefix)
            if node is None:
                if len(self._tree) >= self.NODE_LIMIT:
                    self.complete = False
                    return
                node = self._tree[prefix] = _Node(decision.enabled, sleep=sleep_at.get(i, {}))
            node.done.add(decision.chosen)
            if i in first_steps:
                node.steps.setdefault(decision.chosen, first_steps[i])
        for j, i in races(trail):
            earlier, later = trail[j], trail[i]
            if earlier.decision is None or earlier.decision >= len(decisions):
                continue
            node = self._tree.get(tuple(choices[: earlier.decision]))
            if node is None:
                continue
            if later.tid in earlier.options:
                node.backtrack.add(later.tid)
            else:
                node.backtrack.update(earlier.options)
            self._pending.add(tuple(choices[: earlier.decision]))


def races(trail: list[Transition]) -> list[tuple[int, int]]:
    """Reversible races: pairs (j, i), j < i, of dependent steps of different threads where j
    does not already happen before step i's thread through some other chain (vector clocks over
    program order, thread start and dependence), so running i's thread first at j's decision
    is a genuinely different ordering."""
    last_access: dict[tuple[Any, ...], dict[int, int]] = {}
    last_write: dict[tuple[Any, ...], dict[int, int]] = {}
    last_opaque: dict[int, int] = {}
    last_any: dict[int, int] = {}
    clocks: list[dict[int, int]] = []
    thread_clock: dict[int, dict[int, int]] = {}
    found: list[tuple[int, int]] = []
    for i, step in enumerate(trail):
        # A copy: joining below must not grow the clock of this thread's previous step.
        if step.tid in thread_clock:
            clock = dict(thread_clock[step.tid])
        else:
            clock = dict(clocks[step.after]) if step.after is not None and step.after < i else {}
        for key, writes in step.footprint.items():
            # A join returns only after the thread's exit: ordered, never a race.
            if key[0] == "thread" and not writes:
                for j in last_write.get(key, {}).values():
                    _join(clock, clocks[j])
        latest: dict[int, int] = {}
        """Per other thread, its last step dependent with this one."""
        if OPAQUE in step.footprint:
            _latest_of(latest, last_any, step.tid)
        else:
            for key, writes in step.footprint.items():
                _latest_of(latest, (last_access if writes else last_write).get(key, {}), step.tid)
            _latest_of(latest, last_opaque, step.tid)
        for tid, j in latest.items():
            if clock.get(tid, 0) < clocks[j][tid]:
                found.append((j, i))  # this thread does not know of step j yet: a real race
            _join(clock, clocks[j])
        for key in step.footprint:
            if (
                key[0] == "lock"
            ):  # a blocking acquire follows the release it waited for: ordered, not a race
                for j in last_write.get(("unlock", key[1]), {}).values():
                    _join(clock, clocks[j])
        clock[step.tid] = clock.get(step.tid, 0) + 1
        clocks.append(clock)
        thread_clock[step.tid] = clock
        for key, writes in step.footprint.items():
            last_access.setdefault(key, {})[step.tid] = i
            if writes:
                last_write.setdefault(key, {})[step.tid] = i
        if OPAQUE in step.footprint:
            last_opaque[step.tid] = i
        if step.footprint:
            last_any[step.tid] = i
    return found


def _join(clock: dict[int, int], other: dict[int, int]) -> None:
    """``clock`` = the pointwise maximum of both vector clocks."""
    for tid, count in other.items():
        if clock.get(tid, 0) < count:
            clock[tid] = count


def _latest_of(latest: dict[int, int], candidates: dict[int, int], me: int) -> None:
    """Keep, per thread other than ``me``, the latest step index among ``candidates``."""
    for tid, j in candidates.items():
        if tid != me and latest.get(tid, -1) < j:
            latest[tid] = j
