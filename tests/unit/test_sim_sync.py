"""In-node queue and quorum helper."""

from __future__ import annotations

import pytest

from simworld import Future, Node, Queue, QueueFull, World, first
from simworld.sync import NotEnoughReplies


def test_a_bounded_queue_makes_the_producer_wait() -> None:
    world = World(1)
    queue = Queue(maxsize=2)
    put_times: list[int] = []

    async def producer(node: Node) -> None:
        for i in range(4):
            await queue.put(i)
            put_times.append(node.now)

    async def consumer(node: Node) -> None:
        await node.sleep(100)
        for _ in range(4):
            await queue.get()
            await node.sleep(10)

    world.node("p", producer)
    world.node("c", consumer)
    world.run(until=1_000)
    assert put_times == [0, 0, 100, 110]
    assert queue.peak == 2
    with pytest.raises(QueueFull):
        full = Queue(maxsize=1)
        full.put_nowait(1)
        full.put_nowait(2)


def test_first_returns_the_first_k_successes_or_fails_when_impossible() -> None:
    a, b, c = Future(), Future(), Future()
    quorum = first(2, [a, b, c])
    b.set_result("b")
    a.set_error(RuntimeError("lost"))
    c.set_result("c")
    assert quorum.result() == ["b", "c"]

    x, y = Future(), Future()
    doomed = first(2, [x, y])
    x.set_error(RuntimeError("lost"))
    with pytest.raises(NotEnoughReplies):
        doomed.result()
