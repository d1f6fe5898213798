# fix-judgement: wrong
# class: other
# breaks: True only if the trip holds exactly one of each
# scenario: Adds an idempotency key, but builds it inside the retried lambda from node.now (f'{trip}-{step}-{node.now}'), so every retry sends a new key: the reply to the first hotel request is lost, the retry 120 ms later carries another key and books a second hotel: a True trip holds two hotels, and on a later refusal only the second booking is cancelled (seen: trip-202 answered False still holding payment P5). (Duplicated copies of one attempt are deduplicated, which hides the bug outside loss windows.)
# why: An idempotency key must identify the operation, not the attempt.
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
    """Call again on timeouts until the service answers: the network trouble does not last, and
    every call we retry is idempotent (keyed bookings, cancels). Rejected is an answer: raised."""
    pause = 20
    while True:
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(pause)
            pause = min(pause * 2, 160)


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Client, str]] = []
    try:
        for step, service in (("flight", flights), ("payment", payments), ("hotel", hotels)):
            done.append((service, await retry(node, lambda: service.book(trip, key=f"{trip}-{step}-{node.now}"))))
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
