# fix-judgement: right
# class: other
# idiom: fan-out: the three keyed bookings run as concurrent tasks (node.start) that each retry until a definite answer; book_trip awaits every task's finished future, then commits or cancels the ones that succeeded
# why: No decision is taken while a step is still in flight, so nothing can be booked after compensation; keys make the retries safe and all three services are contacted concurrently.
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


async def _step(node: Node, service: Client, trip: str, key: str) -> str | None:
    """The booking id, or None if the service refused."""
    try:
        booking: str = await retry(node, lambda: service.book(trip, key=key))
    except Rejected:
        return None
    return booking


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    services = {"flight": flights, "payment": payments, "hotel": hotels}
    tasks = {name: node.start(_step, node, svc, trip, f"{trip}.{name}") for name, svc in services.items()}
    results = {name: await task.finished for name, task in tasks.items()}
    if all(booking is not None for booking in results.values()):
        return True
    for name, booking in results.items():
        if booking is not None:
            await retry(node, lambda: services[name].cancel(booking))
    return False


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
