"""Challenge 9: the nightly report written by two nodes at once (distributed lock)."""

from __future__ import annotations

from challenges.sim.check import SimCheck, SimViolation
from challenges.sim.kv import KV
from challenges.sim.nemesis import Nemesis
from challenges.sim.program import SimProgram, sim_loader
from challenges.sim.properties import expect_finished, expect_lock_linearizable, lock_periods
from challenges.sim.storage import Storage
from challenges.sim.world import World
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec

NODES = ["scheduler-1", "scheduler-2", "scheduler-3"]
HORIZON_MS = 12_000


def build(program: SimProgram, world: World) -> tuple[KV, Storage]:
    """Three schedulers, one lock store, one report storage; GC pauses, message delays."""
    world.network.configure(min_delay=1, max_delay=10, timeout=100)
    kv, storage = KV(world, "locks"), Storage(world, "storage")
    for name in NODES:
        world.node(name, program.main("scheduler"), kv, storage)
    Nemesis(world).random_pauses(NODES, count=(2, 4), duration=(200, 800), window=(0, 2500))
    world.run(until=HORIZON_MS)
    return kv, storage


def stale_writes(program: SimProgram, world: World) -> None:
    """Accepted report writes follow the lock's grants in order: no write from an older holder
    lands after a newer holder's write."""
    kv, storage = build(program, world)
    key = getattr(program, "LOCK_KEY", "locks/nightly-report")
    periods = lock_periods(kv, key)
    newest = None
    for write in storage.accepted:
        mine = [p for p in periods if p.owner == write.writer and p.start <= write.time]
        if not mine:
            raise SimViolation(f"{write.writer} wrote {write.name!r} without ever holding the lock", at=write.time)
        grant = mine[-1]
        if newest is not None and grant.grant < newest[0].grant:
            old_end = "still held" if grant.end == float("inf") else f"lost it at t={int(grant.end)}ms"
            raise SimViolation(
                f"stale lock holder: {write.writer} wrote {write.name!r} at t={write.time}ms under lock "
                f"grant #{grant.grant}, after {newest[1].writer} had written under the newer grant "
                f"#{newest[0].grant}",
                f"{write.writer} took the lock at t={grant.start}ms and {old_end}; "
                f"{newest[1].writer} took it at t={newest[0].start}ms",
                at=write.time,
            )
        if newest is None or grant.grant >= newest[0].grant:
            newest = (grant, write)
    if not storage.accepted:
        raise SimViolation("no report section was ever written", at=world.now)
    expect_lock_linearizable(world, kv, key)
    expect_finished(world, NODES, f"its {getattr(program, 'RUNS', 3)} runs")


SPEC = ChallengeSpec(
    number=9,
    slug="distributed_lock",
    title="The report written by two nodes at once",
    summary="Scheduler nodes share a TTL lock in a KV store; after a GC pause two of them write the report.",
    concepts=("distributed lock", "lease / TTL", "fencing token", "lock ownership", "process pauses"),
    difficulty=4,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "report writes follow the lock's grants, and the lock is linearizable",
            stale_writes,
            seeds=30,
            hint="What happens to the lock while its holder is frozen for longer than the TTL?",
        ),
    ),
    hints=(
        "Replay the failing seed with `learn run challenge 9` style timelines: find the NEMESIS pause, "
        "then the 'TTL expired' line, then who wrote next.",
        "A node cannot know it was paused. Whatever it believes about holding the lock may be false "
        "by the time its write arrives.",
        "Releasing must not delete a lock that someone else now holds: make the delete conditional.",
        "Either let the storage reject writes from older lock grants (the KV version is a fencing "
        "token), or keep the lease alive and refuse to write once it may have expired.",
    ),
    time_budget_seconds=10.0,
    requires_concurrency=False,
    program_loader=sim_loader,
)
