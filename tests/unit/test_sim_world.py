"""The simulated world: determinism, virtual time, pauses, crashes."""

from __future__ import annotations

import pytest

from simworld import Node, RpcTimeout, World
from simworld.kv import KV
from simworld.nemesis import Nemesis
from simworld.world import SimStuck


def _busy_world(seed: int) -> list[str]:
    world = World(seed)
    world.network.configure(drop=0.1, duplicate=0.1)
    kv = KV(world)

    async def worker(node: Node, kv_c) -> None:
        for i in range(20):
            try:
                await kv_c.put(f"k{node.rng.randint(0, 3)}", i, if_absent=node.rng.random() < 0.5)
            except RpcTimeout:
                node.log("timeout")
            await node.sleep(node.rng.randint(0, 20))

    for name in ("a", "b", "c"):
        world.node(name, worker, kv)
    Nemesis(world).random_pauses(["a", "b", "c"], count=(1, 3), duration=(10, 100), window=(0, 300))
    world.run(until=2_000)
    return world.history.timeline()


def test_same_seed_gives_the_identical_history() -> None:
    assert _busy_world(7) == _busy_world(7)


def test_different_seeds_give_different_histories() -> None:
    assert _busy_world(7) != _busy_world(8)


def test_sleep_advances_virtual_time_only() -> None:
    world = World(1)
    seen: list[int] = []

    async def main(node: Node) -> None:
        await node.sleep(250)
        seen.append(node.now)

    world.node("n", main)
    world.run(until=1_000)
    assert seen == [250]
    assert world.now == 1_000


def test_a_paused_node_resumes_after_the_pause() -> None:
    world = World(1)
    seen: list[int] = []

    async def main(node: Node) -> None:
        await node.sleep(10)
        seen.append(node.now)

    node = world.node("n", main)
    world.run(until=5)
    node.pause(300)  # the sleep ends at t=10, but the node is frozen until t=305
    world.run(until=1_000)
    assert seen == [305]


def test_a_crash_loses_tasks_and_memory_and_restart_runs_main_again() -> None:
    world = World(1)
    boots: list[int] = []

    async def main(node: Node) -> None:
        boots.append(node.now)
        node.memory["x"] = 1
        await node.sleep(10_000)

    node = world.node("n", main)
    world.run(until=100)
    node.crash()
    assert node.memory == {} and node.tasks == []
    world.after(50, node.restart)
    world.run(until=500)
    assert boots == [0, 150]


def test_awaiting_something_else_than_a_sim_operation_is_reported() -> None:
    import asyncio

    world = World(1)

    async def main(node: Node) -> None:
        await asyncio.sleep(0)

    world.node("n", main)
    world.run(until=10)
    assert world.task_errors and "await only sim operations" in str(world.task_errors[0][1])


def test_a_loop_that_never_waits_is_stuck() -> None:
    world = World(1)

    async def main(node: Node) -> None:
        while True:
            await node.sleep(0)

    world.node("n", main)
    with pytest.raises(SimStuck):
        world.run(until=10)
