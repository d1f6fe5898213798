"""Trip booking — solution: reconcile with the services instead of trusting replies.

No idempotency keys: after each attempt (answered, refused or timed out) the saga waits
until no copy of its request can still be in flight, then *asks* the service what the trip
holds. It keeps one booking and cancels any extra (a duplicated request), books again only
if nothing is held. To compensate, it cancels everything the trip holds, in reverse order.
This relies on the network's bounded delay (simworld/README.md).

A trip books a flight, charges the card, then books a hotel. Each service can refuse (sold
out, card declined); the network between us and them loses and duplicates messages, so calls
are retried on timeout. When a step is refused, the trip must be undone. Everything runs in
the simulated world (see simworld/README.md).

Contract with the grader: ``book_trip`` returns True when the trip is fully booked, False
when it is not booked at all.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, cast

from simworld import Client, Node, Rejected, RpcTimeout

MAX_NET_DELAY_MS = 10
SETTLE_MS = 2 * MAX_NET_DELAY_MS
"""After this, no copy of a request we sent can still arrive."""


async def until_answered(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Retry a harmless call (a query, a cancel) on timeouts until it is answered."""
    while True:
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(20)


async def book_one(node: Node, service: Client, trip: str) -> str | None:
    """Make the trip hold exactly one booking at ``service``; None if the service refuses."""
    while True:
        refused = False
        try:
            await service.book(trip)
        except Rejected:
            refused = True
        except RpcTimeout:
            pass
        await node.sleep(SETTLE_MS)
        held = await until_answered(node, lambda: service.bookings(trip))
        for extra in held[1:]:
            await until_answered(node, cast("Callable[[], Awaitable[Any]]", lambda b=extra: service.cancel(b)))
        if held:
            return held[0]
        if refused:
            return None


async def cancel_all(node: Node, service: Client, trip: str) -> None:
    for booking in await until_answered(node, lambda: service.bookings(trip)):
        await until_answered(node, cast("Callable[[], Awaitable[Any]]", lambda b=booking: service.cancel(b)))


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[Client] = []
    for service in (flights, payments, hotels):
        if await book_one(node, service, trip) is None:
            for booked in reversed(done):
                await cancel_all(node, booked, trip)
            return False
        done.append(service)
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
