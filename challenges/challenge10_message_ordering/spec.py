"""Challenge 10: orders shipped before they were paid (message ordering)."""

from __future__ import annotations

from challenges.sim import Client, Node
from challenges.sim.apps import OrderBook
from challenges.sim.check import SimCheck, SimViolation
from challenges.sim.log import Log
from challenges.sim.nemesis import Nemesis
from challenges.sim.program import SimProgram, sim_loader
from challenges.sim.world import World
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec

STATUSES = ("created", "paid", "shipped")
CONSUMERS = ["fulfillment-1", "fulfillment-2", "fulfillment-3"]
ORDERS_PER_SHOP = 6
HORIZON_MS = 4_000


def shop(program: SimProgram, first: int):
    """A shop node: runs several orders at once, each publishing its events in order."""

    async def order_flow(node: Node, log: Client, order: str) -> None:
        await node.sleep(200 + node.rng.randint(0, 600))  # consumers join first
        for seq, status in enumerate(STATUSES, 1):
            await program.on(node).publish(node, log, {"order": order, "seq": seq, "status": status})
            await node.sleep(node.rng.randint(0, 15))

    async def main(node: Node, log: Client) -> None:
        for i in range(ORDERS_PER_SHOP):
            node.start(order_flow, node, log, f"order-{first + i}")

    return main


def per_key_order(program: SimProgram, world: World) -> None:
    """Every order's events are applied in the order they were published, each one."""
    world.network.configure(min_delay=1, max_delay=10, timeout=200)
    log, orders = Log(world, "broker", partitions=3), OrderBook(world, "orders")
    for name in CONSUMERS:
        world.node(name, program.main("consumer"), log, orders)
    world.node("shop-1", shop(program, 1), log)
    world.node("shop-2", shop(program, 101), log)
    Nemesis(world).random_pauses(CONSUMERS, count=(0, 3), duration=(50, 300), window=(200, 2000))
    world.run(until=HORIZON_MS)

    last: dict[str, tuple[int, int]] = {}
    for applied in orders.applied:
        before = last.get(applied.order)
        if before is not None and applied.seq <= before[0]:
            raise SimViolation(
                f"{applied.order}: '{applied.status}' (event {applied.seq}) was applied at "
                f"t={applied.time}ms after '{STATUSES[before[0] - 1]}' (event {before[0]}) at t={before[1]}ms",
                "events of one key must be applied in the order they were published",
                at=applied.time,
            )
        last[applied.order] = (applied.seq, applied.time)
    published = {r.value["order"] for parts in log.topics.values() for p in parts for r in p}
    for order in sorted(published):
        seq = last.get(order, (0, 0))[0]
        if seq < len(STATUSES):
            raise SimViolation(f"{order}: '{STATUSES[seq]}' was never applied by t={world.now}ms", at=world.now)


SPEC = ChallengeSpec(
    number=10,
    slug="message_ordering",
    title="Orders shipped before they were paid",
    summary="Order events flow through a partitioned log to parallel consumers and arrive out of order.",
    concepts=("partitions and keys", "per-key ordering", "consumer groups", "parallel consumers"),
    difficulty=3,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck("each order's events are applied in publish order", per_key_order, seeds=30,
                 hint="Where is order guaranteed in a partitioned log, and where do you lose it?"),
    ),
    hints=(
        "A log guarantees order only within one partition. Which partition does an event without a key go to?",
        "Even within one partition, starting a task per record lets a later record finish first.",
        "Give every event of one order the same key, and never handle two events of one key at once.",
        "Sequential handling per partition works; so do parallel lanes as long as one key always "
        "goes to the same lane.",
    ),
    time_budget_seconds=8.0,
    requires_concurrency=False,
    program_loader=sim_loader,
)
