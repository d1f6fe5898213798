# fix-judgement: right
# class: other
# idiom: per-node single flight (a sim Future in node.memory shared by concurrent misses) plus a version floor key written by update_price before it invalidates; pages reject cached or shared results older than the floor and load again
# why: At most one load per node is in flight (three nodes, limit five); any page that starts after an update reads the floor and never accepts a product version below it, whatever stale put or old flight exists.
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

from simworld import Client, Future, Node

TTL_MS = 1_000


def _floor_key(product_id: str) -> str:
    return f"floor/{product_id}"


async def _cached_and_floor(cache: Client, product_id: str) -> tuple[Any, int]:
    """The cached item and the lowest product version a page may show (both asked at once)."""
    item_call, floor_call = cache.get(product_id), cache.get(_floor_key(product_id))
    item, floor = await item_call, await floor_call
    return item, (floor.value if floor is not None else 0)


async def _fill(node: Node, cache: Client, db: Client, product_id: str, flight: Future) -> None:
    try:
        product = await db.read(product_id)
        flight.set_result(product)
        await cache.put(product_id, product, ttl_ms=TTL_MS)
    except Exception as exc:
        flight.set_error(exc)
    finally:
        flights = node.memory.get("flights", {})
        if flights.get(product_id) is flight:
            del flights[product_id]


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from one shared load on a miss."""
    item, floor = await _cached_and_floor(cache, product_id)
    if item is not None and item.value[0] >= floor:
        return tuple(item.value)  # type: ignore[return-value]
    while True:
        flights: dict[str, Future] = node.memory.setdefault("flights", {})
        flight = flights.get(product_id)
        if flight is None:
            flight = Future()
            flights[product_id] = flight
            node.start(_fill, node, cache, db, product_id, flight)
        product: tuple[int, int] = await flight
        if product[0] >= floor:
            return product
        # that load started before the update we must show: wait for (or start) a newer one
        if node.memory.get("flights", {}).get(product_id) is flight:
            del node.memory["flights"][product_id]


async def update_price(node: Node, cache: Client, db: Client, product_id: str, price: int) -> None:
    """An admin changes a price: write the database, raise the version floor, invalidate."""
    version, _ = await db.write(product_id, price)
    await cache.put(_floor_key(product_id), version)
    await cache.delete(product_id)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(15, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
