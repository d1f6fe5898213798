"""# Distributed coordination, simulated: leases, fencing tokens, quorums

Inside one process, a lock is a fact: if you hold it, nobody else does. Across machines it is
only a *belief*, and it can be wrong without you noticing: your process can pause (a 2-second
GC, a VM migration, swapping) or lose the network, and when it resumes it still *thinks* it
holds the lock. This lesson runs three small simulations, in-process, on a **virtual clock**
with a **seeded RNG**, so the output is the same on every run.

## 1. Leader election with leases

A coordination store (etcd, Consul, ZooKeeper, a database row) grants a **lease**: "node A
is leader until t + ttl". The leader renews well before expiry; when it stops renewing (dead,
paused, partitioned), the lease expires and another node takes over. Leases bound how long
the system waits for a dead leader — but a *paused* leader wakes up believing it is still in
charge until its next renewal fails. For a while there are **two leaders**.

## 2. Fencing tokens

So leases alone cannot protect a resource. The fix (Martin Kleppmann's *fencing token*): the
lock service hands out a number that grows with every grant, the client sends it with every
write, and the **storage** rejects a write whose token is lower than one it has already seen.
The paused client's late write arrives with token 33 after the new holder wrote with 34: it is
refused by the only party that can enforce it. (Redlock, without fencing, cannot give this
guarantee — the debate is worth reading.)

## 3. Quorums: R + W > N

With N replicas, a write waits for W acknowledgements and a read asks R replicas and keeps the
newest version. If **R + W > N**, every read set overlaps every write set in at least one
replica, so a read always sees the latest acknowledged write. With R + W ≤ N, a read can land
entirely on replicas the write has not reached yet: a **stale read**. The simulation counts
them for each (W, R).

## When not to

- Build these yourself for production: use etcd/ZooKeeper leases, database constraints
  (a version column, `SELECT … FOR UPDATE`), or a store with tunable consistency. This lesson
  is for understanding why their APIs look the way they do.
- Treat quorum as linearizability: with concurrent writes, sloppy quorums or read repair
  disabled, R + W > N still allows anomalies.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from rich.console import Console
from rich.table import Table

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Distributed coordination: leases, fencing tokens, quorums"
CONCEPTS = ("leader election", "lease", "fencing token", "quorum", "stale read", "virtual time")
DIFFICULTY = 5
VARIANTS = ()
NEXT_CHALLENGES = (9, 12, 13)
HYPOTHESES = {"main": ("16.1", "16.2", "16.3")}

SEED = 16
TICK = 0.1
LEASE_TTL = 0.5


@dataclass
class VirtualClock:
    """Time that moves only when the simulation says so."""

    now: float = 0.0

    def advance(self, seconds: float) -> None:
        self.now = round(self.now + seconds, 6)


def _stamp(clock: VirtualClock) -> str:
    return f"[dim]t={clock.now:4.1f} s[/]"


# --- 1. leases ------------------------------------------------------------------------------


@dataclass
class Lease:
    holder: str
    term: int
    expires_at: float


@dataclass
class LeaseStore:
    """A compare-and-set lease, like an etcd lease or a row with an expiry column."""

    clock: VirtualClock
    lease: Lease | None = None
    terms: int = 0

    def try_acquire(self, node: str) -> Lease | None:
        if self.lease is None or self.lease.expires_at <= self.clock.now:
            self.terms += 1
            self.lease = Lease(node, self.terms, self.clock.now + LEASE_TTL)
            return self.lease
        return None

    def renew(self, node: str, term: int) -> bool:
        lease = self.lease
        if (
            lease
            and lease.holder == node
            and lease.term == term
            and lease.expires_at > self.clock.now
        ):
            lease.expires_at = self.clock.now + LEASE_TTL
            return True
        return False


@dataclass
class Node:
    name: str
    paused_until: float = -1.0
    believed_term: int | None = None
    """The term this node believes it leads, or None."""


def _leader_election(console: Console, rng: random.Random) -> bool:
    console.rule(
        f"[bold]1. Leader election with {LEASE_TTL:.1f} s leases (renewed every {TICK:.1f} s)"
    )
    clock = VirtualClock()
    store = LeaseStore(clock)
    nodes = [Node("A"), Node("B"), Node("C")]
    pause_at, pause_for = 0.6, 1.2
    split_since: float | None = None
    split_seen = False
    while clock.now < 2.2:
        if clock.now == pause_at:
            leader = next(n for n in nodes if n.believed_term is not None)
            leader.paused_until = clock.now + pause_for
            console.print(
                f"  {_stamp(clock)}  [yellow]{leader.name} pauses[/] for {pause_for:.1f} s (a long GC, a frozen VM)"
            )
        for node in rng.sample(nodes, k=len(nodes)):  # who reaches the store first varies
            if node.paused_until > clock.now:
                continue
            _node_tick(console, clock, store, node)
        split_since = _watch_split_brain(console, clock, nodes, split_since)
        split_seen = split_seen or split_since is not None
        clock.advance(TICK)
    console.print(
        "  The paused leader could not know it had lost the lease until it asked. Anything it "
        "wrote in that window needs the protection of the next section."
    )
    hypothesis(
        console,
        "16.1",
        "a paused leader with a lease leads to a window with two leaders",
        HELD if split_seen else NOT_HERE,
        "split brain observed" if split_seen else "never two leaders",
    )
    return split_seen


def _node_tick(console: Console, clock: VirtualClock, store: LeaseStore, node: Node) -> None:
    if node.believed_term is not None:
        if not store.renew(node.name, node.believed_term):
            console.print(
                f"  {_stamp(clock)}  [red]{node.name} resumes, renewal of term {node.believed_term} refused[/]: "
                "it steps down"
            )
            node.believed_term = None
        return
    lease = store.try_acquire(node.name)
    if lease is not None:
        node.believed_term = lease.term
        console.print(
            f"  {_stamp(clock)}  [green]{node.name} becomes leader[/] (term {lease.term}, lease until t={lease.expires_at:.1f} s)"
        )


def _watch_split_brain(
    console: Console, clock: VirtualClock, nodes: list[Node], since: float | None
) -> float | None:
    """Narrate when more than one node believes it leads, and for how long; return when it began."""
    believers = [n.name for n in nodes if n.believed_term is not None]
    if len(believers) > 1 and since is None:
        console.print(
            f"  {_stamp(clock)}  [bold red]split brain: {believers} both believe they lead[/]"
        )
        return clock.now
    if len(believers) <= 1 and since is not None:
        console.print(
            f"  {_stamp(clock)}  one leader again, after {clock.now - since:.1f} s of split brain"
        )
        return None
    return since


# --- 2. fencing -----------------------------------------------------------------------------


@dataclass
class Storage:
    """The protected resource. With fencing, it remembers the highest token it has seen."""

    fencing: bool
    value: str = "initial"
    highest_token: int = 0
    log: list[str] = field(default_factory=list)

    def write(self, value: str, token: int) -> bool:
        if self.fencing and token < self.highest_token:
            return False
        self.highest_token = max(self.highest_token, token)
        self.value = value
        return True


def _fencing(console: Console) -> None:
    console.rule("[bold]2. A distributed lock with fencing tokens")
    finals: dict[bool, str] = {}
    for fencing in (False, True):
        title = "storage checks fencing tokens" if fencing else "storage [red]ignores[/] tokens"
        console.print(f"  [bold]{title}[/]")
        clock = VirtualClock()
        storage = Storage(fencing)
        store = LeaseStore(clock)
        store.terms = 32  # the lock has been granted 32 times before
        first = store.try_acquire("client-1")
        assert first is not None
        console.print(
            f"  {_stamp(clock)}  client-1 acquires the lock, token {first.term}; reads, then pauses (GC)"
        )
        clock.advance(LEASE_TTL + 0.2)
        second = store.try_acquire("client-2")
        assert second is not None
        console.print(
            f"  {_stamp(clock)}  lease expired; client-2 acquires the lock, token {second.term}"
        )
        _write(console, clock, storage, "client-2", "balance=70", second.term)
        clock.advance(0.3)
        console.print(f"  {_stamp(clock)}  client-1 wakes up, still believing it holds the lock")
        _write(console, clock, storage, "client-1", "balance=100", first.term)
        verdict = (
            "[green]correct[/]"
            if storage.value == "balance=70"
            else "[red]corrupted: client-2's write was lost[/]"
        )
        console.print(f"  final value: {storage.value} — {verdict}\n")
        finals[fencing] = storage.value
    hypothesis(
        console,
        "16.2",
        "only the storage that checks tokens keeps client-2's write",
        HELD if finals == {True: "balance=70", False: "balance=100"} else NOT_HERE,
        f"with tokens {finals[True]}, without {finals[False]}",
    )


def _write(
    console: Console, clock: VirtualClock, storage: Storage, client: str, value: str, token: int
) -> None:
    if storage.write(value, token):
        console.print(
            f"  {_stamp(clock)}  {client} writes {value} with token {token}: [green]accepted[/]"
        )
    else:
        console.print(
            f"  {_stamp(clock)}  {client} writes {value} with token {token}: [red]rejected[/] "
            f"(storage has seen token {storage.highest_token})"
        )


# --- 3. quorums -----------------------------------------------------------------------------

N = 3
TRIALS = 300


@dataclass
class Replica:
    version: int = 0


def _quorum_trial(rng: random.Random, w: int, r: int) -> tuple[bool, list[int], list[int]]:
    """One write then one read before replication catches up. Returns (stale?, write set, read set)."""
    replicas = [Replica(version=1) for _ in range(N)]
    acked = sorted(rng.sample(range(N), k=w))  # the write reached these replicas so far
    for index in acked:
        replicas[index].version = 2
    asked = sorted(rng.sample(range(N), k=r))
    newest = max(replicas[i].version for i in asked)
    return newest < 2, acked, asked


def _quorums(console: Console, rng: random.Random) -> None:
    console.rule(f"[bold]3. Quorum reads and writes, N={N}")
    console.print(
        f"  Each trial: write version 2 over version 1; the write is acknowledged by W replicas and "
        f"has not reached the others yet; then a read asks R random replicas. {TRIALS} trials each."
    )
    table = Table(title_justify="left")
    for column in ("W", "R", "R+W", "overlap guaranteed", "stale reads"):
        table.add_column(column, justify="right")
    example: tuple[int, int, list[int], list[int]] | None = None
    stale_by: dict[tuple[int, int], int] = {}
    for w, r in ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3)):
        stale = Counter[bool]()
        for _ in range(TRIALS):
            was_stale, acked, asked = _quorum_trial(rng, w, r)
            stale[was_stale] += 1
            if was_stale and example is None:
                example = (w, r, acked, asked)
        overlap = r + w > N
        stale_by[w, r] = stale[True]
        share = stale[True] / TRIALS
        colour = "green" if stale[True] == 0 else "red"
        table.add_row(
            str(w),
            str(r),
            str(r + w),
            "yes" if overlap else "no",
            f"[{colour}]{stale[True]} ({share:.0%})[/]",
        )
    console.print(table)
    if example:
        w, r, acked, asked = example
        console.print(
            f"  A stale read, up close (W={w}, R={r}): version 2 was acknowledged by replica(s) "
            f"{acked}; the read asked replica(s) {asked}, saw only version 1, and returned it."
        )
    pairs = sum(1 for _ in combinations(range(N), 2))
    console.print(
        f"  With W=2 and R=2 any two of the {pairs} possible pairs share a replica, so the newest "
        "version is always in the read set — at the price of waiting for two replicas each way."
    )
    overlapping = [n for (w, r), n in stale_by.items() if r + w > N]
    disjoint = [n for (w, r), n in stale_by.items() if r + w <= N]
    hypothesis(
        console,
        "16.3",
        "R + W > N never reads stale; every R + W ≤ N setting does sometimes",
        HELD if not any(overlapping) and all(disjoint) else NOT_HERE,
        f"stale reads with overlap {overlapping}, without {disjoint} (of {TRIALS} each)",
    )
    console.print()


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    console = Console(highlight=False)
    header(console, 16, "distributed coordination, simulated")
    rng = random.Random(SEED)
    console.print(f"  [dim]Virtual time, seed {SEED}: this output is identical on every run.[/]")
    _leader_election(console, rng)
    console.print()
    _fencing(console)
    _quorums(console, rng)
    try_next(
        console,
        __file__,
        "in `_leader_election`, make the leader renew every TICK but set LEASE_TTL to 3 × TICK, "
        "then pause it for less than the TTL: does 16.1 still see two leaders? In `_fencing`, move "
        "client-1's late write before client-2's: is it rejected now? Fencing orders the "
        "writers; it does not make the paused one's write right.",
        [
            (9, "the report written by two nodes at once: leases, ownership and fencing tokens"),
            (12, "the profile that went back in time: quorums and read-your-writes"),
            (13, "the account that went negative: optimistic concurrency with expected versions"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
