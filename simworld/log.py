"""A partitioned log with consumer groups and committed offsets (think Kafka).

A topic has a fixed number of partitions. Records with the same key always go to the same
partition (``crc32(key) % partitions``); records without a key are spread round-robin. Order
is guaranteed only *within* a partition. Operations (all atomic)::

    await log.publish(topic, value, key=None)        -> (partition, offset)
    await log.fetch(topic, partition, offset, max_records=10) -> [Record, ...]
    await log.end_offset(topic, partition)           -> offset of the next record
    await log.join(group, topic, member)             -> partitions assigned to member
    await log.assignment(group, topic, member)       -> partitions assigned to member now
    await log.commit(group, topic, partition, offset)  (offset = next record to read)
    await log.committed(group, topic, partition)     -> committed offset (0 if none)

Members of a group share a topic's partitions: sorted members take partitions round-robin,
and the assignment changes whenever a member joins or leaves.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simworld.network import Service

if TYPE_CHECKING:
    from simworld.world import World

__all__ = ["Log", "Record", "partition_for"]


@dataclass(frozen=True)
class Record:
    """One published record."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: Any
    time: int
    """Virtual ms when the log appended it."""


def partition_for(key: str, partitions: int) -> int:
    """The partition of a keyed record (stable across runs, unlike ``hash``)."""
    return zlib.crc32(key.encode()) % partitions


class Log(Service):
    """See the module docstring."""

    quiet = frozenset({"fetch", "assignment", "committed", "end_offset"})

    def __init__(self, world: World, name: str = "log", partitions: int = 3) -> None:
        super().__init__(world, name)
        self.default_partitions = partitions
        self.topics: dict[str, list[list[Record]]] = {}
        self._round_robin: dict[str, int] = {}
        self._members: dict[tuple[str, str], list[str]] = {}
        self._offsets: dict[tuple[str, str, int], int] = {}

    def _topic(self, topic: str) -> list[list[Record]]:
        if topic not in self.topics:
            self.topics[topic] = [[] for _ in range(self.default_partitions)]
        return self.topics[topic]

    def partitions(self, topic: str) -> int:
        return len(self._topic(topic))

    def publish(self, topic: str, value: Any, key: str | None = None) -> tuple[int, int]:
        parts = self._topic(topic)
        if key is None:
            index = self._round_robin.get(topic, 0)
            self._round_robin[topic] = index + 1
            partition = index % len(parts)
        else:
            partition = partition_for(key, len(parts))
        record = Record(topic, partition, len(parts[partition]), key, value, self.world.now)
        parts[partition].append(record)
        return partition, record.offset

    def fetch(self, topic: str, partition: int, offset: int, max_records: int = 10) -> list[Record]:
        return self._topic(topic)[partition][offset : offset + max_records]

    def end_offset(self, topic: str, partition: int) -> int:
        return len(self._topic(topic)[partition])

    def join(self, group: str, topic: str, member: str) -> list[int]:
        members = self._members.setdefault((group, topic), [])
        if member not in members:
            members.append(member)
            members.sort()
        return self.assignment(group, topic, member)

    def leave(self, group: str, topic: str, member: str) -> None:
        members = self._members.get((group, topic), [])
        if member in members:
            members.remove(member)

    def assignment(self, group: str, topic: str, member: str) -> list[int]:
        members = self._members.get((group, topic), [])
        if member not in members:
            return []
        index = members.index(member)
        return [p for p in range(self.partitions(topic)) if p % len(members) == index]

    def commit(self, group: str, topic: str, partition: int, offset: int) -> None:
        self._offsets[(group, topic, partition)] = offset

    def committed(self, group: str, topic: str, partition: int) -> int:
        return self._offsets.get((group, topic, partition), 0)
