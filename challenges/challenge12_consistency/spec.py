"""Challenge 12: the profile that went back in time (consistency across replicas)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Node
from simworld.apps import replica_set
from simworld.check import SimCheck, SimViolation
from simworld.history import Operation
from simworld.linearizability import RegisterModel, check_linearizable
from simworld.program import SimProgram, sim_loader
from simworld.world import World

USERS = ["alice", "bob", "carol"]
OPS_PER_CLIENT = 24
HORIZON_MS = 8_000
VIEWERS = 3
VIEWS = 50


def sessions(program: SimProgram, world: World) -> None:
    """Each user edits their own bio and reads profiles; check the reads against the writes."""
    world.network.configure(min_delay=1, max_delay=120, typical_max=10, timeout=300)
    replicas = replica_set(world, 3)
    ops: list[Operation] = []

    def record(
        process: str, name: str, user: str, args: tuple, invoke: int, result: object
    ) -> Operation:
        op = Operation(len(ops), process, name, args, invoke, world.now, result, {"user": user})
        ops.append(op)
        shown = f"save({user}, {args[0]!r})" if name == "write" else f"load({user}) -> {result!r}"
        world.history.add(process, shown, "op")
        return op

    async def client(node: Node, *replica_clients: Client) -> None:
        store = program.on(node).ProfileStore(node, list(replica_clients))
        me = USERS[int(node.name.split("-")[1]) - 1]
        edits = 0
        for _ in range(OPS_PER_CLIENT):
            roll = node.rng.random()
            start = node.now
            if roll < 0.5:
                edits += 1
                bio = f"{me} v{edits}"
                saving.add(me)
                await store.save(me, bio)
                saving.discard(me)
                record(node.name, "write", me, (bio,), start, None)
            else:
                user = me if roll < 0.75 else node.rng.choice(USERS)
                result = await store.load(user)
                record(node.name, "read", user, (), start, result)
            await node.sleep(node.rng.randint(0, 40))

    saving: set[str] = set()
    """Profiles being saved right now: viewers load them (the window where replicas disagree)."""

    async def viewer(node: Node, *replica_clients: Client) -> None:
        """Someone browsing profiles: many loads, often of a profile being saved right now."""
        store = program.on(node).ProfileStore(node, list(replica_clients))
        for _ in range(VIEWS):
            busy = sorted(saving)
            user = (
                node.rng.choice(busy)
                if busy and node.rng.random() < 0.8
                else node.rng.choice(USERS)
            )
            start = node.now
            result = await store.load(user)
            record(node.name, "read", user, (), start, result)
            await node.sleep(node.rng.randint(0, 2) if busy else node.rng.randint(5, 30))

    for i, _ in enumerate(USERS, 1):
        world.node(f"client-{i}", client, *replicas)
    for i in range(1, VIEWERS + 1):
        world.node(f"viewer-{i}", viewer, *replicas)
    world.shape_request = split_save(world)
    world.run(until=HORIZON_MS)

    _session_guarantees(ops)
    for user in USERS:
        result = check_linearizable([o for o in ops if o.meta["user"] == user], RegisterModel(None))
        if not result.ok and result.stuck is not None:
            stuck = result.stuck
            raise SimViolation(
                f"profile {user!r} is not linearizable: no order of saves and loads explains "
                f"'{stuck.process} load({user}) -> {stuck.result!r}' at t={int(stuck.complete)}ms",
                "a load must return the latest save that completed before it started, and never an "
                "older value than a load that finished before it started",
                at=int(stuck.complete),
            )


def split_save(world: World):
    """Aimed at the window where replicas disagree: the copies of a save sent at the same instant
    to several replicas often arrive far apart (the first at once, the others 60-120 ms later)."""
    batches: dict[tuple[str, int], int] = {}

    def shape(node: Node, service: object, op: str, args: tuple) -> int | None:
        if op != "write":
            return None
        key = (node.name, world.now)
        batches[key] = seen = batches.get(key, 0) + 1
        if seen == 1:
            split = world.rng.random() < 0.6
            batches[(node.name, -world.now)] = int(split)
            return world.rng.randint(1, 3) if split else None
        if batches.get((node.name, -world.now)):
            return world.rng.randint(60, 120)
        return None

    return shape


def _version(bio: object) -> int:
    return 0 if bio is None else int(str(bio).rsplit("v", 1)[1])


def _session_guarantees(ops: list[Operation]) -> None:
    """Read-your-writes and monotonic reads, per client session (clear messages first)."""
    saved: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for op in sorted(ops, key=lambda o: o.complete):
        user, key = op.meta["user"], (op.process, op.meta["user"])
        if op.name == "write":
            saved[key] = _version(op.args[0])
            continue
        got = _version(op.result)
        if got < saved.get(key, 0):
            raise SimViolation(
                f"read-your-writes broken: {op.process} saved '{user} v{saved[key]}' and then "
                f"loaded {op.result!r} at t={int(op.complete)}ms",
                at=int(op.complete),
            )
        before = seen.get(key)
        if before is not None and got < before[0]:
            raise SimViolation(
                f"monotonic reads broken: {op.process} loaded '{user} v{before[0]}' at t={before[1]}ms, "
                f"then the older {op.result!r} at t={int(op.complete)}ms",
                at=int(op.complete),
            )
        seen[key] = (got, int(op.complete))


SPEC = ChallengeSpec(
    number=12,
    slug="consistency",
    title="The profile that went back in time",
    summary="Reads spread over asynchronously replicated copies show users stale and flip-flopping profiles.",
    concepts=(
        "replication lag",
        "read-your-writes",
        "monotonic reads",
        "quorums R+W>N",
        "linearizability",
    ),
    difficulty=4,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "profile reads see the writes (read-your-writes, monotonic, linearizable)",
            sessions,
            seeds=15,
            hint="Which replicas have seen a write at the moment you read?",
        ),
    ),
    hints=(
        "Look at the 'replicated' lines: how long after a save does each replica learn about it?",
        "A read from a replica that has not seen your save yet returns your old bio.",
        "With N replicas, if every write waits for W of them and every read asks R of them with "
        "R + W > N, some replica in every read has the latest write.",
        "Quorums alone still let two reads disagree while a write is in flight: after reading, write "
        "the newest value back to a quorum before returning. Or make one replica the only one you use.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
