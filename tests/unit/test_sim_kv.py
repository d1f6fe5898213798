"""The simulated KV store: versions, TTLs, compare-and-set."""

from __future__ import annotations

from simworld import World
from simworld.kv import KV


def _kv() -> tuple[World, KV]:
    world = World(1)
    return world, KV(world)


def test_versions_grow_with_every_write() -> None:
    _, kv = _kv()
    assert kv.put("a", 1) == 1
    assert kv.put("b", 1) == 2
    assert kv.put("a", 2) == 3
    assert kv.get("a").version == 3


def test_ttl_expires_the_key_and_records_it() -> None:
    world, kv = _kv()
    kv.put("lock", "n1", ttl_ms=100)
    world.run(until=99)
    assert kv.get("lock") is not None
    world.run(until=100)
    assert kv.get("lock") is None
    assert kv.changes[-1].cause == "expire" and kv.changes[-1].value == "n1"


def test_rewriting_a_key_extends_its_ttl() -> None:
    world, kv = _kv()
    kv.put("lock", "n1", ttl_ms=100)
    world.run(until=80)
    kv.put("lock", "n1", ttl_ms=100, if_value="n1")
    world.run(until=150)
    assert kv.get("lock") is not None


def test_if_absent_if_version_if_value_conditions() -> None:
    _, kv = _kv()
    v1 = kv.put("k", "a", if_absent=True)
    assert v1 == 1
    assert kv.put("k", "b", if_absent=True) is None
    assert kv.put("k", "b", if_version=99) is None
    assert kv.put("k", "b", if_version=v1) == 2
    assert kv.delete("k", if_value="a") is False
    assert kv.delete("k", if_value="b") is True
    assert kv.get("k") is None


def test_stored_values_are_copies() -> None:
    _, kv = _kv()
    state = {"counts": [1]}
    kv.put("s", state)
    state["counts"].append(2)
    assert kv.get("s").value == {"counts": [1]}
