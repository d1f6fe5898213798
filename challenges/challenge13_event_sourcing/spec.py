"""Challenge 13: the account that went negative (event sourcing)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Node
from simworld.apps import EventStore
from simworld.check import SimCheck, SimViolation
from simworld.kv import KV
from simworld.nemesis import Nemesis
from simworld.program import SimProgram, sim_loader
from simworld.properties import expect_finished
from simworld.world import World

ACCOUNTS = ["acct-1", "acct-2"]
TELLERS = ["teller-1", "teller-2", "teller-3"]
OPENING = 100
OPS_PER_TELLER = 10
HORIZON_MS = 10_000


def ledger(program: SimProgram, world: World) -> None:
    """Tellers withdraw, deposit and query concurrently; check the streams and the answers."""
    world.network.configure(min_delay=1, max_delay=10, timeout=300)
    events, kv = EventStore(world), KV(world, "snapshots")
    approved: dict[str, int] = dict.fromkeys(ACCOUNTS, OPENING)
    queries: list[tuple[str, str, int, int, int]] = []

    async def bank(node: Node, events_c: Client, kv_c: Client) -> None:
        for account in ACCOUNTS:
            await program.on(node).Account(node, events_c, kv_c, account).deposit(OPENING)

    async def teller(node: Node, events_c: Client, kv_c: Client) -> None:
        await node.sleep(100)
        for _ in range(OPS_PER_TELLER):
            account_id = node.rng.choice(ACCOUNTS)
            account = program.on(node).Account(node, events_c, kv_c, account_id)
            roll, start = node.rng.random(), node.now
            if roll < 0.55:
                amount = node.rng.randint(20, 70)
                ok = await account.withdraw(amount)
                node.log(f"withdraw({account_id}, {amount}) -> {ok}")
                approved[account_id] -= amount if ok else 0
            elif roll < 0.75:
                amount = node.rng.randint(10, 50)
                await account.deposit(amount)
                node.log(f"deposit({account_id}, {amount})")
                approved[account_id] += amount
            else:
                balance = await account.balance()
                node.log(f"balance({account_id}) -> {balance}")
                queries.append((node.name, account_id, start, node.now, balance))
            await node.sleep(node.rng.randint(0, 30))

    world.node("bank", bank, events, kv)
    for name in TELLERS:
        world.node(name, teller, events, kv)
    nemesis = Nemesis(world)
    nemesis.random_pauses(TELLERS, count=(0, 3), duration=(20, 200), window=(100, 1500))
    nemesis.pause_after(
        lambda d: d.service is events and d.op == "read" and d.node.name in TELLERS,
        0.3,
        (150, 600),
        limit=3,
        why=" (it is deciding on what it just loaded)",
    )
    world.run(until=HORIZON_MS)
    expect_finished(world, TELLERS, "its customers")

    replayed = {account: _replay(program, world, events, account) for account in ACCOUNTS}
    for account, balances in replayed.items():
        for version, event in enumerate(events.streams.get(account, []), 1):
            if balances[version] < 0:
                time = next(t for t, s, v in events.appended if s == account and v >= version)
                raise SimViolation(
                    f"overdraft: replaying {account}'s events gives a balance of {balances[version]} at "
                    f"version {version}",
                    f"event {version}: {event}; the balance before it was {balances[version - 1]}",
                    "two withdrawals decided on the same old balance and both were appended",
                    at=time,
                )
    for account, balances in replayed.items():
        if balances[-1] != approved[account]:
            raise SimViolation(
                f"{account}: the events say the balance is {balances[-1]}, but the tellers were told "
                f"that operations totalling {approved[account]} succeeded",
                at=world.now,
            )
    for account, balances in replayed.items():
        for who, account_id, start, end, answer in queries:
            if account_id != account:
                continue
            lo, hi = events.version_at(account, start), events.version_at(account, end)
            possible = balances[lo : hi + 1]
            if answer not in possible:
                raise SimViolation(
                    f"{who} was told {account}'s balance is {answer} at t={end}ms, but replaying its "
                    f"events gives {' or '.join(map(str, possible))} during that call",
                    "the state loaded from snapshot + events does not match a replay from the start",
                    at=end,
                )


def _replay(program: SimProgram, world: World, events: EventStore, account: str) -> list[int]:
    """Balances after 0, 1, 2, ... events, folding the program's ``apply`` from the start."""
    balances = [0]
    for event in events.streams.get(account, []):
        balances.append(program.apply(balances[-1], event))
    return balances


SPEC = ChallengeSpec(
    number=13,
    slug="event_sourcing",
    title="The account that went negative",
    summary="Event-sourced accounts: concurrent withdrawals append without version checks, snapshots replay wrong.",
    concepts=(
        "event sourcing",
        "optimistic concurrency",
        "expected version",
        "snapshots and replay",
    ),
    difficulty=4,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "streams never overdraw and loads match a full replay",
            ledger,
            seeds=30,
            hint="What did the stream look like between your load and your append?",
        ),
    ),
    hints=(
        "Two tellers load the same balance of 80, both approve a withdrawal of 60, both append.",
        "The event store can refuse an append if the stream moved since you loaded it: expected_version.",
        "After a conflict, load again and decide again — the old decision was based on stale state.",
        "Check which events a load replays after a snapshot: `read(stream, start)` includes `start`.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
