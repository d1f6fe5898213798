"""Challenge 15: the product page that melted the database (distributed cache)."""

from __future__ import annotations

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Node
from simworld.apps import Database
from simworld.check import SimCheck, SimViolation
from simworld.kv import KV
from simworld.nemesis import Nemesis
from simworld.program import SimProgram, sim_loader
from simworld.world import World

APPS = ["app-1", "app-2", "app-3"]
HOT = "p-1"
PRODUCTS = [HOT, "p-2", "p-3", "p-4"]
TRAFFIC_MS = 2_000
HORIZON_MS = 4_000
MAX_CONCURRENT_LOADS = 5
"""More loads of one product in progress at once than this is a stampede."""


def product_pages(program: SimProgram, world: World) -> None:
    """Heavy traffic on a hot product while an admin changes prices; app nodes pause now and then."""
    world.network.configure(min_delay=1, max_delay=10, timeout=400)
    cache, db = KV(world, "cache"), Database(world)
    cache.quiet = frozenset({"get", "put", "delete"})
    reads: list[tuple[str, str, int, int, tuple[int, int]]] = []
    updates: list[tuple[str, int, int]] = []

    async def view(node: Node, cache_c: Client, db_c: Client, product: str) -> None:
        start = node.now
        result = await program.on(node).get_product(node, cache_c, db_c, product)
        reads.append((node.name, product, start, node.now, tuple(result)))

    async def app(node: Node, cache_c: Client, db_c: Client) -> None:
        while node.now < TRAFFIC_MS:
            product = HOT if node.rng.random() < 0.8 else node.rng.choice(PRODUCTS)
            node.start(view, node, cache_c, db_c, product)
            await node.sleep(node.rng.randint(6, 18))

    async def admin(node: Node, cache_c: Client, db_c: Client) -> None:
        await node.sleep(300)
        price = 100
        while node.now < TRAFFIC_MS - 300:
            price += 5
            product = HOT if node.rng.random() < 0.7 else node.rng.choice(PRODUCTS)
            await program.on(node).update_price(node, cache_c, db_c, product, price)
            version = db.products[product][0]
            updates.append((product, version, node.now))
            node.log(f"update_price({product}, {price}) done: version {version}")
            await node.sleep(node.rng.randint(100, 400))

    for name in APPS:
        world.node(name, app, cache, db)
    world.node("admin", admin, cache, db)
    nemesis = Nemesis(world)
    nemesis.random_pauses(APPS, count=(0, 3), duration=(50, 300), window=(0, TRAFFIC_MS))
    nemesis.pause_after(
        lambda d: d.service is db and d.op == "read" and d.node.name in APPS,
        0.25,
        (150, 700),
        limit=3,
        why=" (its reload is in flight)",
    )
    world.run(until=HORIZON_MS)

    for product in PRODUCTS:
        peak, when = db.peak_concurrent_loads(product)
        if peak > MAX_CONCURRENT_LOADS:
            raise SimViolation(
                f"cache stampede: {peak} loads of {product} hit the database at once (t={when}ms)",
                f"the cached {product} expired or was invalidated and every request reloaded it; "
                f"at most {MAX_CONCURRENT_LOADS} concurrent loads of one key are allowed",
                at=when,
            )
    for who, product, start, end, (version, _) in sorted(reads, key=lambda r: r[3]):
        newer = [(v, t) for p, v, t in updates if p == product and t <= start and v > version]
        if newer:
            v, t = max(newer)
            raise SimViolation(
                f"stale read: {who} got {product} version {version} at t={end}ms, but version {v} "
                f"was written and invalidated at t={t}ms, before that request started",
                "a value loaded before the invalidation was put back into the cache after it",
                at=end,
            )
    unfinished = [n for n in APPS if any(not t.finished.done for t in world.nodes[n].tasks)]
    if unfinished:
        raise SimViolation(
            f"a page view on {unfinished[0]} never finished by t={world.now}ms", at=world.now
        )


SPEC = ChallengeSpec(
    number=15,
    slug="distributed_cache",
    title="The product page that melted the database",
    summary="Cache-aside on a hot product: stampedes on expiry and stale prices written back after invalidation.",
    concepts=(
        "cache-aside",
        "cache stampede",
        "single-flight",
        "leases",
        "stale set after invalidation",
    ),
    difficulty=4,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "no stampede on the database and no stale price after an update",
            product_pages,
            seeds=15,
            hint="What do the other 30 requests do while the first one reloads the hot product?",
        ),
    ),
    hints=(
        "When the hot product expires, every request in the next 60 ms misses and goes to the database.",
        "Let one request per key reload the value while the others wait for it (single-flight), or "
        "refresh before expiry so the hot key rarely expires under load.",
        "A slow reload that started before a price change can finish after the invalidation and put the "
        "old price back. The put must fail if the key changed since the miss.",
        "The KV's conditional puts (`if_absent`, `if_version`) make a lease or a versioned write-back.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
