# fix-judgement: wrong
# class: other
# breaks: never more than 5 loads of the same product in progress at once
# scenario: Randomises each entry's TTL (700-1300 ms) to avoid synchronized expiry - the textbook advice for many keys - but the stampede is on ONE hot key: when p-1 expires, every concurrent request still misses together and loads it; the invalidation race is unchanged.
# why: TTL jitter de-synchronises different keys; it does nothing for many readers of one key.
"""Product pages: a cache in front of a slow product database (cache-aside).

Three app nodes serve product pages. A page reads the product from the shared cache (a KV
store with TTLs); on a miss it loads it from the database and caches it. When an admin
changes a price, the database is updated and the cached copy deleted. Everything runs in the
simulated world (see simworld/README.md).

A product is ``(version, price)``; the database's version grows with every price change.
"""

from __future__ import annotations

import sys

from simworld import Client, Node

TTL_MS = 1_000


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or from the database on a miss."""
    item = await cache.get(product_id)
    if item is not None:
        return item.value
    product = await db.read(product_id)
    await cache.put(product_id, product, ttl_ms=TTL_MS + node.rng.randint(-300, 300))
    return product


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
