# fix-judgement: wrong
# class: escape
# breaks: services must be reached through their Client over the (lossy) network
# scenario: Takes flights.service / payments.service / hotels.service (the BookingService objects) and calls book/cancel on them synchronously: no message is ever lost or duplicated, so the saga looks perfect in the simulation, but no real remote service can be called like that and the lossy-network handling the story asks for does not exist.
# why: Bypassing the Client bypasses the network faults the challenge is about.
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


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Any, str]] = []
    for client in (flights, payments, hotels):
        service = client.service  # talk to the service itself: no flaky network in between
        try:
            done.append((service, service.book(trip)))
        except Rejected:
            for booked_at, booking in reversed(done):
                booked_at.cancel(booking)
            return False
        await node.sleep(5)
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
