"""The simulated network: delays, drops, duplicates."""

from __future__ import annotations

from simworld import Node, RpcTimeout, World
from simworld.kv import KV


def test_delays_stay_within_the_configured_bounds() -> None:
    world = World(3)
    world.network.configure(min_delay=5, max_delay=9)
    kv = KV(world)
    rtts: list[int] = []

    async def main(node: Node, kv_c) -> None:
        for _ in range(50):
            start = node.now
            await kv_c.get("k")
            rtts.append(node.now - start)

    world.node("n", main, kv)
    world.run(until=10_000)
    assert len(rtts) == 50
    assert min(rtts) >= 10 and max(rtts) <= 18
    assert len(set(rtts)) > 1


def test_a_lost_message_becomes_a_timeout() -> None:
    world = World(3)
    world.network.configure(drop=1.0, timeout=70)
    kv = KV(world)
    outcome: list[object] = []

    async def main(node: Node, kv_c) -> None:
        try:
            await kv_c.put("k", 1)
        except RpcTimeout as exc:
            outcome.append((node.now, type(exc)))

    world.node("n", main, kv)
    world.run(until=1_000)
    assert outcome == [(70, RpcTimeout)]
    assert any(e.kind == "net" and "lost" in e.text for e in world.history.entries)


def test_a_duplicated_request_is_applied_twice_but_answered_once() -> None:
    world = World(3)
    world.network.configure(duplicate=1.0)
    kv = KV(world)
    replies: list[object] = []

    async def main(node: Node, kv_c) -> None:
        replies.append(await kv_c.put("k", "v"))

    world.node("n", main, kv)
    world.run(until=1_000)
    assert replies == [1]
    assert [c.version for c in kv.changes] == [1, 2]


def test_the_network_window_of_the_nemesis_applies_only_inside_it() -> None:
    world = World(3)
    world.network.degrade(100, 200, drop=1.0)
    world.now = 150
    assert world.network.current().drop == 1.0
    world.now = 200
    assert world.network.current().drop == 0.0
