"""Challenge 14: the trip that charged for nothing (sagas and compensation)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Node
from simworld.apps import BookingService
from simworld.check import SimCheck, SimViolation
from simworld.nemesis import Nemesis
from simworld.program import SimProgram, sim_loader
from simworld.world import World

AGENTS = ["agent-1", "agent-2"]
TRIPS_PER_AGENT = 6
HORIZON_MS = 20_000


def trips(program: SimProgram, world: World) -> None:
    """Two travel agents book trips over a lossy network; each trip must end all-or-nothing."""
    world.network.configure(min_delay=1, max_delay=10, timeout=100)
    services = [
        BookingService(world, "flights", refuse=0.05),
        BookingService(world, "payments", refuse=0.2),
        BookingService(world, "hotels", refuse=0.3),
    ]
    outcomes: dict[str, tuple[object, int]] = {}

    async def one(node: Node, trip: str, clients: tuple[Client, ...]) -> None:
        try:
            result: object = await program.on(node).book_trip(node, trip, *clients)
        except Exception as exc:
            result = exc
        outcomes[trip] = (result, node.now)
        node.log(f"book_trip({trip}) -> {result!r}")

    async def agent(node: Node, *clients: Client) -> None:
        """The orchestrator: starts its trips; after a crash it starts them again (a booking that
        was in flight must be finished or undone, and a finished one answered the same way)."""
        base = int(node.name.split("-")[1]) * 100
        for i in range(TRIPS_PER_AGENT):
            node.start(one, node, f"trip-{base + i}", clients)
            await node.sleep(node.rng.randint(0, 60))

    for name in AGENTS:
        world.node(name, agent, *services)
    nemesis = Nemesis(world)
    nemesis.lossy_network(
        drop=0.3, duplicate=0.1, count=(1, 3), duration=(100, 400), window=(0, 600)
    )
    outage = world.rng.randint(50, 500)  # and once, for a while, almost nothing gets through
    nemesis.network(outage, outage + world.rng.randint(500, 900), drop=0.9, duplicate=0.1)
    booked = {s.name for s in services}
    nemesis.crash_after(
        lambda d: d.service.name in booked and d.op == "book",
        0.5,
        (0, 30),
        (50, 300),
        why=" (the orchestrator is mid-saga)",
    )
    world.run(until=HORIZON_MS)

    for trip, (result, when) in sorted(outcomes.items(), key=lambda kv: kv[1][1]):
        held = {s.name: s.bookings(trip) for s in services}
        counts = {name: len(ids) for name, ids in held.items()}
        shown = ", ".join(f"{name} {ids or 'none'}" for name, ids in held.items())
        if result is True and any(n != 1 for n in counts.values()):
            raise SimViolation(
                f"{trip} was reported booked, but it holds: {shown}",
                "a booked trip holds exactly one flight, one payment and one hotel",
                at=when,
            )
        if result is not True and any(n != 0 for n in counts.values()):
            raise SimViolation(
                f"{trip} was reported {'not booked' if result is False else 'failed'}, "
                f"but it still holds: {shown}",
                "a failed trip must be fully compensated: nothing booked, nothing charged",
                at=when,
            )
    for trip, (result, when) in outcomes.items():
        if not isinstance(result, bool):
            raise SimViolation(
                f"book_trip({trip}) raised {result!r} instead of answering True or False", at=when
            )
    missing = [
        f"trip-{int(a.split('-')[1]) * 100 + i}" for a in AGENTS for i in range(TRIPS_PER_AGENT)
    ]
    unanswered = [t for t in missing if t not in outcomes]
    if unanswered:
        raise SimViolation(
            f"book_trip({unanswered[0]}) never returned by t={world.now}ms", at=world.now
        )


SPEC = ChallengeSpec(
    number=14,
    slug="saga",
    title="The trip that charged for nothing",
    summary="A booking saga retries non-idempotent steps and forgets compensations: double charges, orphan bookings.",
    concepts=("saga", "compensation", "idempotency keys", "retries and timeouts", "at-least-once"),
    difficulty=4,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "every trip ends all-or-nothing",
            trips,
            seeds=30,
            hint="After a timeout, did the booking happen or not? And who undoes the steps already done?",
        ),
    ),
    hints=(
        "Find a trip that holds two flights: what did the network do to its first request?",
        "A timeout does not mean the step failed. Retrying a non-idempotent step can do it twice.",
        "Every completed step needs a compensation, run in reverse order, retried until it is acknowledged.",
        "Give each step an idempotency key (one per trip and step), or ask the service what it "
        "holds for the trip before retrying and clean up extras.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
