"""A document store that can check fencing tokens (challenge 9's report storage).

Operations::

    await storage.write(name, content, fence=None) -> True
        With a ``fence``, the store remembers the highest fence it has seen (for all names)
        and raises Rejected for a lower one (a write from an older lock holder).
    await storage.read(name) -> content or None
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simworld.network import Rejected, Service

if TYPE_CHECKING:
    from simworld.world import World

__all__ = ["Storage", "StoredWrite"]


@dataclass(frozen=True)
class StoredWrite:
    """An accepted write (ground truth for checkers)."""

    time: int
    writer: str
    name: str
    content: Any
    fence: int | None


class Storage(Service):
    """See the module docstring."""

    def __init__(self, world: World, name: str = "storage") -> None:
        super().__init__(world, name)
        self._docs: dict[str, Any] = {}
        self._fence: int | None = None
        self.accepted: list[StoredWrite] = []

    def write(self, name: str, content: Any, fence: int | None = None) -> bool:
        if fence is not None:
            if self._fence is not None and fence < self._fence:
                raise Rejected(f"fence {fence} is older than {self._fence}")
            self._fence = fence
        self._docs[name] = content
        self.accepted.append(StoredWrite(self.world.now, self.caller, name, content, fence))
        return True

    def read(self, name: str) -> Any:
        return self._docs.get(name)
