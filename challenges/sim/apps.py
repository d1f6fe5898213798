"""Small application services the challenges talk to (each keeps a ground-truth record).

* :class:`OrderBook` (challenge 10): ``apply(order, seq, status)`` records an order's status change.
* :class:`Warehouse` (challenge 11): ``store(event_id, event)``, a slow data warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from challenges.sim.network import Service

if TYPE_CHECKING:
    from challenges.sim.world import World

__all__ = ["Applied", "OrderBook", "Warehouse"]


@dataclass(frozen=True)
class Applied:
    """One status change as the order database applied it."""

    time: int
    order: str
    seq: int
    status: str
    by: str


class OrderBook(Service):
    """The order database: ``await orders.apply(order, seq, status) -> None``;
    ``await orders.status(order) -> str | None``."""

    def __init__(self, world: World, name: str = "orders") -> None:
        super().__init__(world, name)
        self.applied: list[Applied] = []
        self._status: dict[str, str] = {}

    def apply(self, order: str, seq: int, status: str) -> None:
        self.applied.append(Applied(self.world.now, order, seq, status, self.caller))
        self._status[order] = status

    def status(self, order: str) -> str | None:
        return self._status.get(order)


class Warehouse(Service):
    """A slow analytics store: ``await warehouse.store(event_id, event) -> None`` takes
    5-10 ms of work on top of the network delays."""

    def __init__(self, world: World, name: str = "warehouse") -> None:
        super().__init__(world, name)
        self.stored: dict[str, int] = {}
        """Event id -> how many times it was stored."""
        self.quiet = frozenset({"store"})

    def service_time(self, op: str) -> int:
        return self.world.rng.randint(5, 10)

    def store(self, event_id: str, event: object) -> None:
        self.stored[event_id] = self.stored.get(event_id, 0) + 1
