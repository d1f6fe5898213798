"""Challenge 11: the ingest service that buffered itself to death (backpressure)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Node
from simworld.apps import Warehouse
from simworld.check import SimCheck, SimViolation
from simworld.memory import held
from simworld.nemesis import Nemesis
from simworld.network import Client, Service
from simworld.program import SimProgram, sim_loader
from simworld.world import Task, World

MAX_BUFFERED = 200
"""The ingest node's memory holds this many events; more is an out-of-memory crash."""
CLIENTS = 2
EVENTS_PER_CLIENT = 300
HORIZON_MS = 20_000
MIN_STORED = 100
WALK_EVERY_MS = 5
"""How often the world measures the ingest node's memory (when it could be over the budget)."""


class Meter:
    """Counts accepted/refused events and measures how many accepted, not yet stored events the
    ingest node really holds in memory (walking its objects: the world measures, the program's
    own counters do not count)."""

    def __init__(self, world: World, warehouse: Warehouse) -> None:
        self.world, self.warehouse = world, warehouse
        self.accepted = self.refused = 0
        self.accepted_ids: set[str] = set()
        self.ingest: object = None
        self.node: Node | None = None
        self.roots: list[object] = []
        self.overflow_at: int | None = None
        self.peak = 0
        self._walked_at = -WALK_EVERY_MS
        self.claimed_at_overflow = 0
        """What the program's own counters said was waiting when the world measured the overflow."""

    def buffered(self) -> int:
        dropped = int(getattr(self.ingest, "dropped", 0))
        return self.accepted - len(self.warehouse.stored) - dropped

    def in_memory(self) -> int:
        """Accepted events not yet stored that the ingest node still references."""
        node = self.node
        waiting = self.accepted - len(self.warehouse.stored)
        if node is None or waiting <= MAX_BUFFERED:
            return max(0, waiting)  # already within the budget whatever the node holds
        pending = self.accepted_ids.difference(self.warehouse.stored)
        roots = [self.ingest, node.memory, *self.roots, *(t._coro for t in node.tasks if t.alive)]
        return len(held(roots, pending, _STOP))

    def sample(self) -> None:
        now = self.world.now
        if now - self._walked_at < WALK_EVERY_MS:
            return
        self._walked_at = now
        level = self.in_memory()
        self.peak = max(self.peak, level)
        if level > MAX_BUFFERED and self.overflow_at is None:
            self.overflow_at = now
            self.claimed_at_overflow = self.buffered()
            self.world.history.add(
                "ingest",
                f"OUT OF MEMORY: {level} accepted events held in memory (limit {MAX_BUFFERED})",
                "error",
            )


_STOP = (Node, World, Client, Service, Meter, SimProgram, Task)


def flood(program: SimProgram, world: World) -> None:
    """Two clients send 300 events each, one every 2 ms, far faster than the warehouse stores them."""
    world.network.configure(min_delay=1, max_delay=10, timeout=1_000)
    warehouse = Warehouse(world)
    meter = Meter(world, warehouse)
    clients: list = []

    async def client(node: Node, ingest: object, first: int) -> None:
        for i in range(first, first + EVENTS_PER_CLIENT):
            ok = await ingest.submit({"id": f"ev-{i}", "page": f"/p/{i % 50}"})  # type: ignore[attr-defined]
            if ok:
                meter.accepted += 1
                meter.accepted_ids.add(f"ev-{i}")
            else:
                meter.refused += 1
            meter.sample()
            await node.sleep(2)

    async def monitor(node: Node) -> None:
        while not all(t.finished.done for t in clients):
            meter.sample()
            if node.now % 50 == 0:
                world.history.add(
                    "meter",
                    f"accepted {meter.accepted}, refused {meter.refused}, "
                    f"stored {len(warehouse.stored)}, buffered {meter.buffered()}",
                )
            await node.sleep(25)

    async def boot(node: Node, warehouse_client: object) -> None:
        module = program.on(node)
        ingest = module.Ingest(node, warehouse_client)
        meter.ingest, meter.node, meter.roots = ingest, node, [vars(module)]
        node.start(ingest.run, name="ingest/worker")
        node.start(monitor, node, name="ingest/meter")
        for c in range(CLIENTS):
            clients.append(
                node.start(client, node, ingest, c * EVENTS_PER_CLIENT, name=f"client-{c + 1}")
            )

    world.node("ingest", boot, warehouse)
    slow_from = world.rng.randint(0, 400)  # the warehouse's slow minute hits while the flood is on
    Nemesis(world).network(
        slow_from, slow_from + world.rng.randint(2_500, 4_000), min_delay=100, max_delay=400
    )
    world.run(until=HORIZON_MS)

    if meter.overflow_at is not None and meter.claimed_at_overflow <= MAX_BUFFERED:
        raise SimViolation(
            f"outside the simulated world: the program's counters say {meter.claimed_at_overflow} events were "
            f"waiting, but the ingest node still held {meter.peak} accepted events",
            "`dropped` counts events as given up while the node keeps them in memory; the world measures "
            "what the node holds, not what it reports",
            f"accepted {meter.accepted}, refused {meter.refused}, stored {len(warehouse.stored)}, "
            f"dropped {getattr(meter.ingest, 'dropped', 0)}",
            at=meter.overflow_at,
            kind=FindingKind.OUTSIDE_WORLD,
        )
    if meter.overflow_at is not None:
        raise SimViolation(
            f"unbounded buffering: the ingest node held more than {MAX_BUFFERED} accepted events "
            f"(peak {meter.peak}) and ran out of memory",
            f"accepted {meter.accepted}, refused {meter.refused}, stored {len(warehouse.stored)} by t={world.now}ms",
            at=meter.overflow_at,
            kind=FindingKind.UNBOUNDED_QUEUE,
        )
    unfinished = [t.name for t in clients if not t.finished.done]
    if unfinished:
        raise SimViolation(
            f"{unfinished[0]} was still waiting in submit() at t={world.now}ms", at=world.now
        )
    lost = meter.buffered()
    if lost != 0:
        raise SimViolation(
            f"{lost} accepted events were neither stored nor counted as dropped: they vanished",
            f"accepted {meter.accepted}, stored {len(warehouse.stored)}, dropped {meter.ingest.dropped}",  # type: ignore[attr-defined]
            at=world.now,
        )
    twice = [e for e, n in warehouse.stored.items() if n > 1]
    if twice:
        raise SimViolation(
            f"event {twice[0]} was stored {warehouse.stored[twice[0]]} times", at=world.now
        )
    if len(warehouse.stored) < MIN_STORED:
        raise SimViolation(
            f"only {len(warehouse.stored)} events were stored: the service barely worked",
            at=world.now,
        )


SPEC = ChallengeSpec(
    number=11,
    slug="backpressure",
    title="The ingest service that buffered itself to death",
    summary="A fast producer fills an unbounded buffer in front of a slow warehouse until memory runs out.",
    concepts=("backpressure", "bounded queues", "load shedding", "accounting for drops"),
    difficulty=3,
    intended=FindingKind.UNBOUNDED_QUEUE,
    checks=(
        SimCheck(
            "buffering stays bounded and every event is accounted for",
            flood,
            seeds=15,
            kind=FindingKind.UNBOUNDED_QUEUE,
            hint="What should happen to event number 201 when 200 are already waiting?",
        ),
    ),
    hints=(
        "Compare the rate events arrive with the rate the warehouse stores them. Where does the difference go?",
        "A queue with no bound does not remove the overload; it turns it into memory growth.",
        "Bound the buffer. Then decide: make the caller wait (backpressure) or refuse the event (shedding).",
        "If you refuse or drop, say so: submit returns False, or count the event in self.dropped.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
