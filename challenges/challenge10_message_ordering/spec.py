"""Challenge 10: orders shipped before they were paid (message ordering)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Future, Node, Queue
from simworld.apps import OrderBook
from simworld.check import SimCheck, SimViolation
from simworld.log import Log
from simworld.nemesis import Nemesis
from simworld.program import SimProgram, sim_loader
from simworld.world import World

STATUSES = ("created", "paid", "shipped")
CONSUMERS = ["fulfillment-1", "fulfillment-2", "fulfillment-3"]
ORDERS_PER_SHOP = 6
HORIZON_MS = 3_200


def shop(program: SimProgram, first: int, payments: Queue):
    """A shop node: runs several orders at once. Each order is ``created`` by the shop, ``paid``
    by the payments node (another producer, once the shop's event was accepted) and ``shipped``
    by the shop once the payment was accepted: the causal order crosses producers."""

    async def order_flow(node: Node, log: Client, order: str) -> None:
        await node.sleep(200 + node.rng.randint(0, 600))  # consumers join first
        await program.on(node).publish(node, log, {"order": order, "seq": 1, "status": "created"})
        paid = Future()
        payments.put_nowait((order, paid))
        await paid
        await node.sleep(node.rng.randint(0, 15))
        await program.on(node).publish(node, log, {"order": order, "seq": 3, "status": "shipped"})

    async def main(node: Node, log: Client) -> None:
        for i in range(ORDERS_PER_SHOP):
            node.start(order_flow, node, log, f"order-{first + i}")

    return main


def payment_service(program: SimProgram, payments: Queue):
    """The payments node: publishes ``paid`` for each order handed to it (several at once)."""

    async def pay(node: Node, log: Client, order: str, paid: Future) -> None:
        await node.sleep(node.rng.randint(0, 15))
        await program.on(node).publish(node, log, {"order": order, "seq": 2, "status": "paid"})
        paid.set_result(None)

    async def main(node: Node, log: Client) -> None:
        while True:
            order, paid = await payments.get()
            node.start(pay, node, log, order, paid)

    return main


def per_key_order(program: SimProgram, world: World) -> None:
    """Every order's events are applied in publish order, none is skipped, all are applied."""
    world.network.configure(min_delay=1, max_delay=10, timeout=200)
    log, orders = Log(world, "broker", partitions=3), OrderBook(world, "orders")
    for name in CONSUMERS:
        world.node(name, program.main("consumer"), log, orders)
    payments = Queue()
    world.node("shop-1", shop(program, 1, payments), log)
    world.node("shop-2", shop(program, 101, payments), log)
    world.node("payments", payment_service(program, payments), log)
    nemesis = Nemesis(world)
    nemesis.random_pauses(CONSUMERS, count=(0, 3), duration=(50, 300), window=(200, 2000))
    nemesis.random_crashes(CONSUMERS, count=(0, 2), downtime=(50, 300), window=(200, 2000))
    nemesis.lossy_network(
        drop=0.0, duplicate=0.3, count=(1, 2), duration=(200, 600), window=(200, 1800)
    )
    nemesis.crash_after(
        lambda d: d.service is orders and d.op == "apply",
        0.4,
        (0, 25),
        (50, 300),
        why=" (it has not committed its offset yet)",
    )
    world.run(until=HORIZON_MS)

    done: dict[str, set[int]] = {}
    last: dict[str, tuple[int, int]] = {}
    for applied in orders.applied:
        seen = done.setdefault(applied.order, set())
        if applied.seq in seen:
            continue  # a redelivery after a crash or a duplicate: applying an event again is harmless here
        expected = max(seen, default=0) + 1
        if applied.seq != expected:
            before = last.get(applied.order, (0, 0))
            skipped = STATUSES[expected - 1]
            raise SimViolation(
                f"{applied.order}: '{applied.status}' (event {applied.seq}) was applied at t={applied.time}ms "
                f"before '{skipped}' (event {expected})"
                + (
                    f"; the last event applied was '{STATUSES[before[0] - 1]}' at t={before[1]}ms"
                    if before[0]
                    else ""
                ),
                "events of one key must be applied in the order they were published, none skipped",
                at=applied.time,
            )
        seen.add(applied.seq)
        last[applied.order] = (applied.seq, applied.time)
    published = {r.value["order"] for parts in log.topics.values() for p in parts for r in p}
    for order in sorted(published):
        seq = last.get(order, (0, 0))[0]
        if seq < len(STATUSES):
            raise SimViolation(
                f"{order}: '{STATUSES[seq]}' was never applied by t={world.now}ms", at=world.now
            )
    workers = {a.by for a in orders.applied}
    if len(workers) < 2:
        raise SimViolation(
            f"only {', '.join(sorted(workers)) or 'no consumer'} applied events: the consumer group does not share "
            "the work (one partition, or one consumer doing everything)",
            "the story needs the three fulfillment nodes to keep up together; order is needed per order, not globally",
            at=world.now,
            kind=FindingKind.SERIALIZED,
        )


SPEC = ChallengeSpec(
    number=10,
    slug="message_ordering",
    title="Orders shipped before they were paid",
    summary="Order events flow through a partitioned log to parallel consumers and arrive out of order.",
    concepts=("partitions and keys", "per-key ordering", "consumer groups", "parallel consumers"),
    difficulty=3,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "each order's events are applied in publish order",
            per_key_order,
            seeds=20,
            hint="Where is order guaranteed in a partitioned log, and where do you lose it?",
        ),
    ),
    hints=(
        "A log guarantees order only within one partition. Which partition does an event without a key go to?",
        "Even within one partition, starting a task per record lets a later record finish first.",
        "Give every event of one order the same key, and never handle two events of one key at once.",
        "Sequential handling per partition works; so do parallel lanes as long as one key always "
        "goes to the same lane.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
