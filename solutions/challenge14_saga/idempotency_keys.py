"""Trip booking — solution: an orchestrated saga with idempotency keys and reverse compensation.

Each step carries an idempotency key (trip + step), so retrying it after a timeout — or a
duplicated request — can never book twice. Timeouts are retried until the service gives a
definite answer. When a step is refused, the completed steps are compensated in reverse
order, each cancel retried until acknowledged (cancelling is idempotent).

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

STEPS = ("flight", "payment", "hotel")


async def until_answered(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Retry on timeouts, with exponential back-off, until the service answers (or refuses)."""
    pause = 10
    while True:
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(pause)
            pause = min(2 * pause, 200)


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Client, str]] = []
    for step, service in zip(STEPS, (flights, payments, hotels), strict=True):
        try:
            booking = await until_answered(node, cast("Callable[[], Awaitable[Any]]", lambda s=service, k=f"{trip}/{step}": s.book(trip, key=k)))
        except Rejected:
            for booked_at, booking_id in reversed(done):  # compensate in reverse order
                await until_answered(node, cast("Callable[[], Awaitable[Any]]", lambda s=booked_at, b=booking_id: s.cancel(b)))
            return False
        done.append((service, booking))
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
