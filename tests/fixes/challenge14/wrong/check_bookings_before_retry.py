# fix-judgement: wrong
# class: new-race
# breaks: True only if the trip holds exactly one flight, one payment and one hotel
# scenario: Instead of keys, before each retry it asks bookings(trip) and reuses an existing booking. A *duplicated* request is applied twice by the service (two hotels H5, H6) while the client hears one reply, so no retry happens and nothing notices; also the check-then-book can run before a slow first copy lands.
# why: Check-then-act against the service cannot see duplicates applied server-side; only an idempotency key makes the request itself safe.
"""Trip booking: a saga over three services (flights, payments, hotels).

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
from typing import Any

from simworld import Client, Node, Rejected, RpcTimeout

ATTEMPTS = 5


async def retry(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Call again on timeouts (the network loses messages)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(20)
    return await call()


async def _book_once(node: Node, service: Client, trip: str) -> str:
    """Book, but after a timeout first look whether the lost request got through."""
    for _ in range(ATTEMPTS):
        try:
            booking: str = await service.book(trip)
            return booking
        except RpcTimeout:
            await node.sleep(20)
            try:
                held = await service.bookings(trip)
            except RpcTimeout:
                continue
            if held:
                return str(held[0])
    raise RpcTimeout(f"could not book {trip}")


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Client, str]] = []
    try:
        for service in (flights, payments, hotels):
            done.append((service, await _book_once(node, service, trip)))
    except Rejected:
        for service, booking in reversed(done):
            await retry(node, lambda: service.cancel(booking))
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
