# fix-judgement: wrong
# class: escape
# breaks: nodes share nothing except through services; (module-level variables are shared by all simulated nodes)
# scenario: A module-level dict _FLIGHTS of in-flight loads (sim Futures) and a module-level _LATEST map {product: version} written by update_price: all three app 'machines' see the same Python objects, so there is one load cluster-wide and pages reject versions below _LATEST. On three real servers each would have its own dicts (three loads, no floor at all on the other servers). The globals also outlive the world: in the next seeded run (or after a restart) a Future left in _FLIGHTS from the previous run is never resolved and _LATEST holds old versions - observed: 'a page view on app-1 never finished by t=4000ms'.
# why: Cross-node coordination through process globals only works inside the single-process simulation.
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
_FLIGHTS: dict[str, Future] = {}
_LATEST: dict[str, int] = {}


async def _load(node: Node, cache: Client, db: Client, product_id: str, flight: Future) -> None:
    try:
        product = await db.read(product_id)
        await cache.put(product_id, product, ttl_ms=TTL_MS)
        flight.set_result(product)
    except Exception as exc:
        flight.set_error(exc)
    finally:
        if _FLIGHTS.get(product_id) is flight:
            del _FLIGHTS[product_id]


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from the database on a miss."""
    floor = _LATEST.get(product_id, 0)
    item = await cache.get(product_id)
    if item is not None and item.value[0] >= floor:
        return item.value
    while True:
        flight = _FLIGHTS.get(product_id)
        if flight is None:
            flight = _FLIGHTS[product_id] = Future()
            node.start(_load, node, cache, db, product_id, flight)
        product: tuple[int, int] = await flight
        if product[0] >= floor:
            return product
        if _FLIGHTS.get(product_id) is flight:
            del _FLIGHTS[product_id]


async def update_price(node: Node, cache: Client, db: Client, product_id: str, price: int) -> None:
    """An admin changes a price: write the database, then invalidate the cache."""
    version, _ = await db.write(product_id, price)
    _LATEST[product_id] = version
    await cache.delete(product_id)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(15, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
