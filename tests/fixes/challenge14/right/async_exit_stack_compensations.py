# fix-judgement: right
# class: other
# idiom: contextlib.AsyncExitStack as the compensation log: each successful keyed booking pushes its cancel; pop_all() commits on success, otherwise the stack unwinds (reverse order) on the Rejected exception
# why: Compensations are registered exactly for the steps that happened and run automatically on any exit except success; keys make retries and duplicated requests harmless.
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
from contextlib import AsyncExitStack
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


async def _cancel(node: Node, service: Client, booking: str) -> None:
    await retry(node, lambda: service.cancel(booking))


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    try:
        async with AsyncExitStack() as undo:
            for step, service in (("flight", flights), ("payment", payments), ("hotel", hotels)):
                booking = await retry(node, lambda: service.book(trip, key=f"{trip}:{step}"))
                undo.push_async_callback(_cancel, node, service, booking)
            undo.pop_all()  # every step done: keep them
            return True
    except Rejected:
        return False  # the stack already cancelled what was booked


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
