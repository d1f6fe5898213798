"""Small application services the challenges talk to (each keeps a ground-truth record).

* :class:`OrderBook` (challenge 10): ``apply(order, seq, status)`` records an order's status change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from challenges.sim.network import Service

if TYPE_CHECKING:
    from challenges.sim.world import World

__all__ = ["Applied", "OrderBook"]


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
