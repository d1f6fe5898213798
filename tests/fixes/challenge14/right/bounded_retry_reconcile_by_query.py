# fix-judgement: right
# class: other
# idiom: bounded retries kept, but any failure (refusal OR retries exhausted with the outcome unknown) triggers reconciliation: list bookings(trip) at every service and cancel until each listing is empty; idempotency keys on book
# why: When a timeout leaves it unknown whether a step happened, asking the services what the trip holds and cancelling all of it is the only way to guarantee 'False means nothing held'; keys stop duplicates from double-booking on success.
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


async def until_answered(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Compensation must not give up: retry on timeouts until the service answers."""
    while True:
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(20)


async def release_everything(node: Node, trip: str, service: Client) -> None:
    """Cancel whatever ``service`` holds for ``trip`` (booked by us or by a lost reply)."""
    while True:
        held = await until_answered(node, lambda: service.bookings(trip))
        if not held:
            return
        for booking in held:
            await until_answered(node, lambda: service.cancel(booking))


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    steps = (("flight", flights), ("payment", payments), ("hotel", hotels))
    try:
        for step, service in steps:
            await retry(node, lambda: service.book(trip, key=f"{trip}-{step}"))
    except (Rejected, RpcTimeout):
        for _, service in steps:
            await release_everything(node, trip, service)
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
