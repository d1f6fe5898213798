"""Challenge 9: the nightly report written by two nodes at once (distributed lock)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld.check import SimCheck, SimViolation
from simworld.kv import KV
from simworld.nemesis import Nemesis
from simworld.network import Delivery
from simworld.program import SimProgram, sim_loader
from simworld.properties import expect_finished, expect_lock_linearizable, lock_periods
from simworld.storage import Storage
from simworld.world import World

NODES = ["scheduler-1", "scheduler-2", "scheduler-3"]
HORIZON_MS = 12_000
DEAD_HOLDER_MS = 1_000
"""How long a crashed holder may keep the others out (the story's TTL is 300 ms)."""


def build(program: SimProgram, world: World) -> tuple[KV, Storage]:
    """Three schedulers, one lock store, one report storage. Faults: GC pauses (some aimed right
    after a grant or a write lands), crashes of the lock holder (restarted, or gone for good),
    duplicated messages, delays of 1-10 ms."""
    world.network.configure(min_delay=1, max_delay=10, timeout=100)
    kv, storage = KV(world, "locks"), Storage(world, "storage")
    for name in NODES:
        world.node(name, program.main("scheduler"), kv, storage)
    key = getattr(program, "LOCK_KEY", "locks/nightly-report")
    nemesis = Nemesis(world)
    nemesis.random_pauses(NODES, count=(2, 4), duration=(200, 800), window=(0, 2500))
    nemesis.lossy_network(
        drop=0.0, duplicate=0.3, count=(1, 3), duration=(200, 800), window=(0, 3000)
    )

    def granted(d: Delivery) -> bool:
        return (
            d.service is kv
            and d.op == "put"
            and bool(d.args)
            and d.args[0] == key
            and d.outcome is not None
        )

    def written(d: Delivery) -> bool:
        return d.service is storage and d.op == "write" and d.error is None

    nemesis.pause_after(granted, 0.35, (350, 800), limit=2, why=" (the lock was just granted)")
    nemesis.pause_after(written, 0.1, (350, 800), limit=1, why=" (a section just landed)")
    nemesis.crash_after(granted, 0.2, (5, 150), (100, 400), why=" (it holds the lock)")
    nemesis.crash_after(
        granted, 0.12, (5, 150), None, why=" (it holds the lock; it never comes back)"
    )
    world.run(until=HORIZON_MS)
    return kv, storage


def expect_crashed_holder_released(world: World, kv: KV, key: str) -> None:
    """A lock held by a node that crashed is free again (or retaken) within ``DEAD_HOLDER_MS``."""
    periods = lock_periods(kv, key)
    for time, name in world.crash_log:
        held = [p for p in periods if p.owner == name and p.start <= time < p.end]
        if not held:
            continue
        after = [c.time for c in kv.changes if c.key == key and c.time > time]
        freed = after[0] if after else world.now
        if freed - time > DEAD_HOLDER_MS:
            raise SimViolation(
                f"{name} crashed at t={time}ms holding the lock, and the lock stayed taken for "
                f"{'the rest of the run' if not after else f'{freed - time}ms'}",
                f"a crashed holder must not block the others for longer than about the story's TTL "
                f"({DEAD_HOLDER_MS}ms allowed)",
                at=time + DEAD_HOLDER_MS,
            )


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
            raise SimViolation(
                f"{write.writer} wrote {write.name!r} without ever holding the lock", at=write.time
            )
        grant = mine[-1]
        if newest is not None and grant.grant < newest[0].grant:
            old_end = (
                "still held" if grant.end == float("inf") else f"lost it at t={int(grant.end)}ms"
            )
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
    expect_crashed_holder_released(world, kv, key)
    expect_finished(world, NODES, f"its {getattr(program, 'RUNS', 3)} runs")


SPEC = ChallengeSpec(
    number=9,
    slug="distributed_lock",
    title="The report written by two nodes at once",
    summary="Scheduler nodes share a TTL lock in a KV store; after a GC pause two of them write the report.",
    concepts=(
        "distributed lock",
        "lease / TTL",
        "fencing token",
        "lock ownership",
        "process pauses",
    ),
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
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
