# fix-judgement: wrong
# class: missing-fault
# breaks: no stale price after an update (with app nodes paused now and then)
# scenario: Single flight per node for the stampede, and update_price deletes, sleeps 150 ms and deletes again to remove any stale copy a racing load might have written. A loader on app-1 reads (3, 115) at t=1160, app-1 is paused 300 ms, the admin's second delete runs at t=1330; app-1 wakes and caches 115 at t=1465, after update_price(p-1, 125) returned: pages show the old price for a second.
# why: The second delete only covers loads that finish within its delay; a pause makes the stale put arbitrarily late.
"""Product pages: a cache in front of a slow product database (cache-aside).

Three app nodes serve product pages. A page reads the product from the shared cache (a KV
store with TTLs); on a miss it loads it from the database and caches it. When an admin
changes a price, the database is updated and the cached copy deleted. Everything runs in the
simulated world (see simworld/README.md).

A product is ``(version, price)``; the database's version grows with every price change.
"""

from __future__ import annotations

import sys

from simworld import Client, Future, Node

TTL_MS = 1_000


async def _load(node: Node, cache: Client, db: Client, product_id: str, flight: Future) -> None:
    """The one database load of this node for ``product_id``; everyone waiting shares it."""
    try:
        product = await db.read(product_id)
        await cache.put(product_id, product, ttl_ms=TTL_MS)
        flight.set_result(product)
    except Exception as exc:
        flight.set_error(exc)
    finally:
        node.memory.get("flights", {}).pop(product_id, None)


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from the database on a miss.

    Misses on one node share a single load (single flight)."""
    item = await cache.get(product_id)
    if item is not None:
        return item.value
    flights: dict[str, Future] = node.memory.setdefault("flights", {})
    flight = flights.get(product_id)
    if flight is None:
        flight = Future()
        flights[product_id] = flight
        node.start(_load, node, cache, db, product_id, flight)
    return await flight


async def update_price(node: Node, cache: Client, db: Client, product_id: str, price: int) -> None:
    """An admin changes a price: write the database, then invalidate the cache (twice)."""
    await cache.delete(product_id)
    await db.write(product_id, price)
    await node.sleep(150)  # longer than a database read: any racing load has written by now
    await cache.delete(product_id)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(15, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
