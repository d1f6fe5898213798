# fix-judgement: right
# class: other
# idiom: memcache-style leases: on a miss, write a lease marker into the product's own key (put if_absent, short TTL); only the lease holder loads and stores with put(if_version=lease); waiters poll; the update's delete voids any outstanding lease
# why: At most one load per lease (a new one only after a paused holder's lease expires), and a load that started before an update can never be cached after it because its if_version no longer matches.
"""Product pages: a cache in front of a slow product database (cache-aside).

Three app nodes serve product pages. A page reads the product from the shared cache (a KV
store with TTLs); on a miss it loads it from the database and caches it. When an admin
changes a price, the database is updated and the cached copy deleted. Everything runs in the
simulated world (see simworld/README.md).

A product is ``(version, price)``; the database's version grows with every price change.
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Node

TTL_MS = 1_000


LEASE_MS = 300
"""How long a loader may hold the slot before another request takes over (a paused loader)."""
POLL_MS = 10


def _is_lease(value: Any) -> bool:
    return isinstance(value, str)


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from the database on a miss.

    On a miss, one request wins a *lease* (a marker written into the product's own cache key
    with if_absent); only it loads, and it stores the result only if its lease is still the
    key's current version (if_version). An update deletes the key, which voids the lease, so a
    load that raced with the update can never be cached. The others wait for the value.
    """
    while True:
        item = await cache.get(product_id)
        if item is not None and not _is_lease(item.value):
            return tuple(item.value)  # type: ignore[return-value]
        if item is None:
            token = f"lease:{node.name}:{node.now}:{node.rng.random()}"
            lease = await cache.put(product_id, token, ttl_ms=LEASE_MS, if_absent=True)
            if lease is not None:
                product: tuple[int, int] = await db.read(product_id)
                await cache.put(product_id, product, ttl_ms=TTL_MS, if_version=lease)
                return product
        await node.sleep(POLL_MS)


async def update_price(node: Node, cache: Client, db: Client, product_id: str, price: int) -> None:
    """An admin changes a price: write the database, then invalidate the cache."""
    await db.write(product_id, price)
    await cache.delete(product_id)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(15, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
