"""A key-value store service with versions, TTLs and compare-and-set (think etcd or Redis).

Every successful write gets a new *version* from one global counter that only grows (like
etcd's revision), so a version doubles as a fencing token. Operations (all atomic)::

    await kv.get(key)                 -> Item(value, version, expires_at) or None
    await kv.put(key, value, ttl_ms=None, if_absent=False, if_version=None, if_value=...)
                                      -> the new version (int), or None if a condition failed
    await kv.delete(key, if_version=None, if_value=...)
                                      -> True if a key was deleted
    await kv.keys(prefix)             -> sorted keys

A key written with ``ttl_ms`` disappears ``ttl_ms`` after the write *arrived* at the store,
unless it is written again. The timeline shows every expiry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simworld.network import Service

if TYPE_CHECKING:
    from simworld.world import World

__all__ = ["KV", "MISSING", "Change", "Item"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Default of ``if_value``: no condition on the current value."""


@dataclass(frozen=True)
class Item:
    """A stored value with its version and expiry time (``None``: never expires)."""

    value: Any
    version: int
    expires_at: int | None = None


@dataclass(frozen=True)
class Change:
    """Ground truth for checkers: a key was written, deleted or expired."""

    time: int
    key: str
    value: Any
    """The new value (``put``) or the value removed (``delete``, ``expire``)."""
    version: int
    cause: str
    """``put``, ``delete`` or ``expire``."""
    by: str


_IMMUTABLE = (int, float, str, bool, bytes, tuple, frozenset, type(None))


def _copied(value: Any) -> Any:
    """A stored value is a copy, as if serialized over the network: mutating yours changes nothing."""
    return value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)


class KV(Service):
    """See the module docstring."""

    def __init__(self, world: World, name: str = "kv") -> None:
        super().__init__(world, name)
        self._data: dict[str, Item] = {}
        self._revision = 0
        self.changes: list[Change] = []

    def _live(self, key: str) -> Item | None:
        item = self._data.get(key)
        if item is not None and item.expires_at is not None and item.expires_at <= self.world.now:
            self._expire(key, item)
            return None
        return item

    def _expire_if_due(self, key: str) -> None:
        self._live(key)

    def _expire(self, key: str, item: Item) -> None:
        if self._data.get(key) is item:
            del self._data[key]
            self.changes.append(
                Change(self.world.now, key, item.value, item.version, "expire", self.name)
            )
            self.world.history.add(
                self.name,
                f"TTL expired: {key!r} (was {item.value!r}, version {item.version})",
                "op",
            )

    def _matches(
        self, item: Item | None, if_absent: bool, if_version: int | None, if_value: Any
    ) -> bool:
        if if_absent and item is not None:
            return False
        if if_version is not None and (item is None or item.version != if_version):
            return False
        return if_value is MISSING or (item is not None and item.value == if_value)

    def get(self, key: str) -> Item | None:
        item = self._live(key)
        return None if item is None else Item(_copied(item.value), item.version, item.expires_at)

    def put(
        self,
        key: str,
        value: Any,
        ttl_ms: int | None = None,
        if_absent: bool = False,
        if_version: int | None = None,
        if_value: Any = MISSING,
    ) -> int | None:
        item = self._live(key)
        if not self._matches(item, if_absent, if_version, if_value):
            return None
        self._revision += 1
        expires = None if ttl_ms is None else self.world.now + ttl_ms
        new = Item(_copied(value), self._revision, expires)
        self._data[key] = new
        self.changes.append(Change(self.world.now, key, value, new.version, "put", self.caller))
        if expires is not None:
            self.world.at(expires, lambda: self._expire_if_due(key))
        return new.version

    def delete(self, key: str, if_version: int | None = None, if_value: Any = MISSING) -> bool:
        item = self._live(key)
        if item is None or not self._matches(item, False, if_version, if_value):
            return False
        del self._data[key]
        self.changes.append(
            Change(self.world.now, key, item.value, item.version, "delete", self.caller)
        )
        return True

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(
            k for k in list(self._data) if k.startswith(prefix) and self._live(k) is not None
        )
