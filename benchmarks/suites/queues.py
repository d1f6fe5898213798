"""Hand-off between workers: queue.Queue vs asyncio.Queue vs anyio streams vs multiprocessing."""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.suites._model import Case, Expectation, Plan, Round, Suite, simple

BUFFER = 1024
"""Every queue is bounded the same way: a full queue makes the producer wait (backpressure)."""
STOP = None


# --- throughput: one producer streams N items to one consumer ------------------------------


def _thread_stream(n: int) -> Round:
    def one_round() -> None:
        channel: queue.Queue[int | None] = queue.Queue(BUFFER)

        def produce() -> None:
            for item in range(n):
                channel.put(item)
            channel.put(STOP)

        producer = threading.Thread(target=produce)
        producer.start()
        while channel.get() is not STOP:
            pass
        producer.join()

    return one_round


def _asyncio_stream(n: int) -> Round:
    async def one_round() -> None:
        channel: asyncio.Queue[int | None] = asyncio.Queue(BUFFER)

        async def produce() -> None:
            for item in range(n):
                await channel.put(item)
            await channel.put(STOP)

        producer = asyncio.create_task(produce())
        while await channel.get() is not STOP:
            pass
        await producer

    return lambda: asyncio.run(one_round())


def _anyio_stream(n: int) -> Round:
    import anyio

    async def one_round() -> None:
        send, receive = anyio.create_memory_object_stream[int](BUFFER)

        async def produce() -> None:
            async with send:
                for item in range(n):
                    await send.send(item)

        async with anyio.create_task_group() as group:
            group.start_soon(produce)
            async with receive:
                async for _ in receive:
                    pass

    return lambda: anyio.run(one_round)


def _produce_into(channel: Any, n: int) -> None:
    for item in range(n):
        channel.put(item)
    channel.put(STOP)


def _process_stream(n: int) -> Round:
    def one_round() -> None:
        context = multiprocessing.get_context("fork")
        channel = context.Queue(BUFFER)
        producer = context.Process(target=_produce_into, args=(channel, n))
        producer.start()
        while channel.get() is not STOP:
            pass
        producer.join()

    return one_round


# --- latency: ping-pong, one item there and back per round trip ----------------------------


def _echo(inbox: Any, outbox: Any) -> None:
    """Send every item back until STOP (runs in a thread or a child process)."""
    while (item := inbox.get()) is not STOP:
        outbox.put(item)


def _ping(there: Any, back: Any, trips: int) -> None:
    for trip in range(trips):
        there.put(trip)
        back.get()


@contextmanager
def _thread_ping(trips: int) -> Iterator[Round]:
    there: queue.Queue[int | None] = queue.Queue(BUFFER)
    back: queue.Queue[int | None] = queue.Queue(BUFFER)
    echo = threading.Thread(target=_echo, args=(there, back))
    echo.start()
    try:
        yield lambda: _ping(there, back, trips)
    finally:
        there.put(STOP)
        echo.join()


@contextmanager
def _process_ping(trips: int) -> Iterator[Round]:
    context = multiprocessing.get_context("fork")
    there, back = context.Queue(BUFFER), context.Queue(BUFFER)
    echo = context.Process(target=_echo, args=(there, back))
    echo.start()
    try:
        yield lambda: _ping(there, back, trips)
    finally:
        there.put(STOP)
        echo.join()


def _asyncio_ping(trips: int) -> Round:
    async def one_round() -> None:
        there: asyncio.Queue[int | None] = asyncio.Queue(BUFFER)
        back: asyncio.Queue[int | None] = asyncio.Queue(BUFFER)

        async def echo() -> None:
            while (item := await there.get()) is not STOP:
                await back.put(item)

        echoer = asyncio.create_task(echo())
        for trip in range(trips):
            await there.put(trip)
            await back.get()
        await there.put(STOP)
        await echoer

    return lambda: asyncio.run(one_round())


def _anyio_ping(trips: int) -> Round:
    import anyio

    async def one_round() -> None:
        send_there, receive_there = anyio.create_memory_object_stream[int](BUFFER)
        send_back, receive_back = anyio.create_memory_object_stream[int](BUFFER)

        async def echo() -> None:
            async with receive_there, send_back:
                async for item in receive_there:
                    await send_back.send(item)

        async with anyio.create_task_group() as group:
            group.start_soon(echo)
            async with send_there, receive_back:
                for trip in range(trips):
                    await send_there.send(trip)
                    await receive_back.receive()

    return lambda: anyio.run(one_round)


def plan(quick: bool) -> Plan:
    items = 1_000 if quick else 20_000
    trips = 100 if quick else 2_000
    stream = f"throughput: stream {items:,} items, one producer → one consumer"
    ping = f"latency: {trips:,} ping-pong round trips"
    cases = (
        Case("queue.Queue", stream, simple(_thread_stream(items)), work=items),
        Case("asyncio.Queue", stream, simple(_asyncio_stream(items)), work=items),
        Case("anyio stream", stream, simple(_anyio_stream(items)), work=items),
        Case("multiprocessing.Queue", stream, simple(_process_stream(items)), work=items),
        Case("queue.Queue", ping, lambda: _thread_ping(trips), work=trips),
        Case("asyncio.Queue", ping, simple(_asyncio_ping(trips)), work=trips),
        Case("anyio stream", ping, simple(_anyio_ping(trips)), work=trips),
        Case("multiprocessing.Queue", ping, lambda: _process_ping(trips), work=trips),
    )
    return Plan(cases, rounds=2 if quick else 5)


SUITE = Suite(
    name="queues",
    question="Which queue should connect my producers and consumers, and what does a hand-off cost?",
    hypothesis=(
        "asyncio.Queue hands items over inside one thread with no locks, so it moves the most "
        "items per second; anyio streams add a checkpoint (a trip through the event loop) to every "
        "send and receive, for fairness and cancellation, and pay for it per item. queue.Queue pays for a lock and for waking another OS "
        "thread (and the GIL hand-off) on each blocked get. multiprocessing.Queue pickles every "
        "item and pushes it through a pipe, so it is the slowest by far, in throughput and latency."
    ),
    lesson=(
        "Pick the queue of the concurrency model you already use: asyncio.Queue or anyio streams "
        "between tasks, queue.Queue between threads. anyio's per-item checkpoint is the price of "
        "cancellation that always works; it matters only when the items are tiny. Crossing a process boundary is the expensive "
        "step: pickling plus a system call per item, so send fewer, bigger messages (see the "
        "`batching` suite). Look at 'per op': it is the cost of one hand-off here, which tells you "
        "how small a unit of work can be before the queue costs more than the work. Bound every "
        "queue so a fast producer cannot use unbounded memory."
    ),
    baseline="queue.Queue",
    plan=plan,
    expectations=(
        Expectation("asyncio.Queue", "queue.Queue", "no lock and no OS thread wake-up per item"),
        Expectation(
            "queue.Queue", "multiprocessing.Queue", "no pickling, no pipe, no system call per item"
        ),
    ),
)
