"""The simulated partitioned log: keys, partitions, consumer groups, offsets."""

from __future__ import annotations

from simworld import World
from simworld.log import Log, partition_for


def test_a_key_always_maps_to_the_same_partition_in_order() -> None:
    log = Log(World(1), partitions=3)
    placed = [log.publish("t", i, key="order-7") for i in range(5)]
    partition = partition_for("order-7", 3)
    assert {p for p, _ in placed} == {partition}
    assert [r.value for r in log.fetch("t", partition, 0, 10)] == [0, 1, 2, 3, 4]


def test_records_without_a_key_go_round_robin() -> None:
    log = Log(World(1), partitions=3)
    assert [log.publish("t", i)[0] for i in range(6)] == [0, 1, 2, 0, 1, 2]


def test_consumer_group_assignment_splits_partitions_and_rebalances() -> None:
    log = Log(World(1), partitions=3)
    assert log.join("g", "t", "c1") == [0, 1, 2]
    log.join("g", "t", "c2")
    assert log.assignment("g", "t", "c1") == [0, 2]
    assert log.assignment("g", "t", "c2") == [1]
    log.leave("g", "t", "c1")
    assert log.assignment("g", "t", "c2") == [0, 1, 2]


def test_committed_offsets_are_per_group_and_partition() -> None:
    log = Log(World(1), partitions=2)
    assert log.committed("g", "t", 0) == 0
    log.commit("g", "t", 0, 5)
    assert log.committed("g", "t", 0) == 5
    assert log.committed("g", "t", 1) == 0
    assert log.committed("other", "t", 0) == 0
