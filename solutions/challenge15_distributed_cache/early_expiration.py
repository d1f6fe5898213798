"""Product pages — solution: probabilistic early expiration, single-flight per node, versioned writes.

* Early expiration (XFetch, Vattani et al.): each read recomputes the value *before* it
  expires with a probability that grows as expiry nears and with how long a reload takes, so
  a hot key is refreshed by one lucky request instead of expiring under load.
* Single-flight per node: concurrent misses on one node share one database read (the
  in-flight table lives in the node's memory), so at most one load per key per node.
* Stale sets: an update writes the new value into the cache (write-through); a reload writes
  back only if the key is still the version it saw at its miss (``if_version`` / ``if_absent``).

Three app nodes serve product pages. A page reads the product from the shared cache (a KV
store with TTLs); on a miss it loads it from the database and caches it. When an admin
changes a price, the database is updated and the cached copy deleted. Everything runs in the
simulated world (see simworld/README.md).

A product is ``(version, price)``; the database's version grows with every price change.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from simworld import Client, Future, Node

TTL_MS = 1_000
BETA = 1.0
"""XFetch's eagerness: > 1 refreshes earlier."""


def _entry(node: Node, product: tuple[int, int], reload_ms: int) -> dict[str, Any]:
    return {"product": product, "reload_ms": reload_ms, "expires_at": node.now + TTL_MS}


def _refresh_early(node: Node, entry: dict[str, Any]) -> bool:
    """XFetch: now - reload_ms * BETA * ln(rand) >= expiry."""
    return node.now - entry["reload_ms"] * BETA * math.log(1.0 - node.rng.random()) >= entry["expires_at"]


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from the database on a miss."""
    item = await cache.get(product_id)
    if item is not None and not _refresh_early(node, item.value):
        return item.value["product"]
    inflight: dict[str, Future] = node.memory.setdefault("inflight", {})
    if product_id in inflight:  # this node is already loading it: share that load
        if item is not None:
            return item.value["product"]
        return await inflight[product_id]
    loading = inflight[product_id] = Future()
    try:
        start = node.now
        product = await db.read(product_id)
        entry = _entry(node, product, node.now - start)
        if item is None:
            await cache.put(product_id, entry, ttl_ms=TTL_MS, if_absent=True)
        else:
            await cache.put(product_id, entry, ttl_ms=TTL_MS, if_version=item.version)
        loading.set_result(product)
        return product
    finally:
        del inflight[product_id]


async def update_price(node: Node, cache: Client, db: Client, product_id: str, price: int) -> None:
    """An admin changes a price: write the database, then the cache (a newer cache version)."""
    product = await db.write(product_id, price)
    await cache.put(product_id, _entry(node, product, 60), ttl_ms=TTL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(15, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
