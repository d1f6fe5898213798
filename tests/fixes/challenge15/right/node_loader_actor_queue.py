# fix-judgement: right
# class: other
# idiom: one loader actor task per node (started on demand, retiring when idle) fed by a sim Queue of (product, Future) requests; it batches all queued requests for a product and serves them from one lease-protected fetch (lease marker in the product's key, put if_version) that starts after every batched request began
# why: Each node runs at most one fetch at a time and across nodes the lease allows one loader per key; because a batch's fetch starts after all its requests, and stale loads cannot be cached past an update's delete, every page sees the latest completed update.
"""Product pages: a cache in front of a slow product database (cache-aside).

Three app nodes serve product pages. A page reads the product from the shared cache (a KV
store with TTLs); on a miss it loads it from the database and caches it. When an admin
changes a price, the database is updated and the cached copy deleted. Everything runs in the
simulated world (see simworld/README.md).

A product is ``(version, price)``; the database's version grows with every price change.
"""

from __future__ import annotations

import sys

from simworld import Client, Future, Node, Queue

TTL_MS = 1_000


LEASE_MS = 300
POLL_MS = 10


async def _fetch(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """Cache, or lease-protected load (the lease is a marker in the product's own key)."""
    while True:
        item = await cache.get(product_id)
        if item is not None and not isinstance(item.value, str):
            return tuple(item.value)  # type: ignore[return-value]
        if item is None:
            lease = await cache.put(product_id, f"lease:{node.name}:{node.rng.random()}", ttl_ms=LEASE_MS,
                                    if_absent=True)
            if lease is not None:
                product: tuple[int, int] = await db.read(product_id)
                await cache.put(product_id, product, ttl_ms=TTL_MS, if_version=lease)
                return product
        await node.sleep(POLL_MS)


async def _loader(node: Node, cache: Client, db: Client, requests: Queue) -> None:
    """The node's actor: serve queued page misses, one fetch per product per batch; it retires
    when the queue is empty (the next miss starts a new one)."""
    while True:
        if not requests.qsize():
            if node.memory.get("loader") is requests:
                del node.memory["loader"]
            return
        product_id, first = await requests.get()
        batch, others = [first], []
        while requests.qsize():
            queued_id, waiter = await requests.get()
            (batch if queued_id == product_id else others).append((queued_id, waiter) if queued_id != product_id
                                                                  else waiter)
        for item in others:
            requests.put_nowait(item)
        try:
            product = await _fetch(node, cache, db, product_id)
        except Exception as exc:
            for waiter in batch:
                waiter.set_error(exc)
            continue
        for waiter in batch:
            waiter.set_result(product)


async def get_product(node: Node, cache: Client, db: Client, product_id: str) -> tuple[int, int]:
    """The product for a page view: from the cache, or through this node's loader on a miss."""
    item = await cache.get(product_id)
    if item is not None and not isinstance(item.value, str):
        return tuple(item.value)  # type: ignore[return-value]
    answer = Future()
    requests = node.memory.get("loader")
    if requests is None:
        requests = node.memory["loader"] = Queue()
        requests.put_nowait((product_id, answer))
        node.start(_loader, node, cache, db, requests)
    else:
        requests.put_nowait((product_id, answer))
    result: tuple[int, int] = await answer
    return result


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
