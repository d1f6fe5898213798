"""# asyncio streams: backpressure with drain(), and closing async generators with aclosing

## `writer.write()` never waits — `await writer.drain()` does

`StreamWriter.write(data)` hands the bytes to the transport and returns at once. If the
socket cannot take them (the peer reads slowly, the network is slow), the transport keeps
them in its own **write buffer**, in memory, without limit. A loop that writes faster than
the peer reads grows that buffer until the process runs out of memory.

`await writer.drain()` is the backpressure: it returns immediately while the buffer is below
the transport's high-water mark (64 KiB by default) and otherwise suspends the writer until
the buffer drains below the low-water mark. Call it after every `write()` (or every few) in
any loop that writes more than a little. The lesson writes 4 MB to a local server that reads
slowly and samples the write buffer: without `drain()` it holds most of the payload, with
`drain()` it stays near the high-water mark.

## An async generator's `finally` runs when it is closed — which may be much later

An async generator that opens something (a connection, a file, a cursor) and releases it in
`finally` releases it only when the generator is closed. Breaking out of `async for` does
**not** close it: if you still hold a reference, it stays suspended, the resource stays open,
and asyncio closes it only when the event loop shuts down (`asyncio.run` finalises leftover
async generators). Even without a reference, closing is scheduled for a later loop iteration,
never at the `break`.

`async with contextlib.aclosing(gen()) as items: async for item in items: ...` closes it at
the end of the block, whatever happens inside — the async twin of `closing()`.

## When not to

`drain()` is not needed for a handful of small writes followed by `close()` + `wait_closed()`.
`aclosing` is not needed for async generators that hold nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncGenerator, Awaitable, Callable

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "asyncio streams: drain() backpressure and aclosing"
CONCEPTS = (
    "StreamWriter.drain",
    "write buffer",
    "backpressure",
    "async generators",
    "contextlib.aclosing",
)
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (11, 6)
HYPOTHESES = {"main": ("24.1", "24.2", "24.3")}

PAYLOAD = 4 * 1024 * 1024
CHUNK = 64 * 1024
READ_EVERY = 0.002
SOCKET_BUFFER = 64 * 1024

console = Console(highlight=False)


def _slow_reader(
    received: list[int], done: asyncio.Event
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                received.append(len(data))
                await asyncio.sleep(READ_EVERY)  # a slow consumer
        finally:
            writer.close()
            await writer.wait_closed()
            done.set()

    return handle


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)  # small kernel buffers, so
    sock.bind(("127.0.0.1", 0))  # the transport's own buffer is what we see grow
    return sock


async def send(use_drain: bool) -> int:
    """Write PAYLOAD to a slow local reader; return the largest write buffer seen (bytes)."""
    received: list[int] = []
    done = asyncio.Event()
    server = await asyncio.start_server(_slow_reader(received, done), sock=_listening_socket())
    async with server:
        host, port = server.sockets[0].getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER
        )
        peak = 0
        chunk = b"x" * CHUNK
        for _ in range(PAYLOAD // CHUNK):
            writer.write(chunk)
            peak = max(peak, writer.transport.get_write_buffer_size())
            if use_drain:
                await writer.drain()  # suspend while the buffer is above the high-water mark
        await writer.drain()  # before closing: let it all go out either way
        writer.close()
        await writer.wait_closed()
        await done.wait()  # the server side has read everything and closed its end
    assert sum(received) == PAYLOAD, "the reader must receive every byte"
    return peak


async def demo_drain() -> None:
    console.rule(f"[bold]1. writing {PAYLOAD // 1024 // 1024} MB to a slow reader")
    without = await send(use_drain=False)
    with_drain = await send(use_drain=True)
    console.print(
        f"  largest write buffer: without drain() {without / 1024:,.0f} KiB, "
        f"with drain() {with_drain / 1024:,.0f} KiB"
    )
    hypothesis(
        console,
        "24.1",
        "without drain() the buffer holds ≥10× more than with it",
        HELD if without >= 10 * max(with_drain, 1) else NOT_HERE,
        f"{without / 1024:,.0f} KiB vs {with_drain / 1024:,.0f} KiB",
    )


async def rows(log: list[str]) -> AsyncGenerator[int, None]:
    log.append("connection opened")
    try:
        for row in range(1_000):
            await asyncio.sleep(0)
            yield row
    finally:
        log.append("connection closed")


async def demo_aclosing() -> None:
    console.rule("[bold]2. breaking out of an async generator")
    held: list[str] = []
    stream = rows(held)  # we keep a reference, as code often does
    async for row in stream:
        if row == 2:
            break
    await asyncio.sleep(0.01)  # plenty of loop iterations
    console.print(f"  plain `async for` + break, 10 ms later: {held}")
    hypothesis(
        console,
        "24.2",
        "after break, a generator we still reference keeps its connection open",
        HELD if held == ["connection opened"] else NOT_HERE,
        str(held),
    )
    await stream.aclose()  # what asyncio.run would do at shutdown, much later

    closed: list[str] = []
    async with contextlib.aclosing(rows(closed)) as items:
        async for row in items:
            if row == 2:
                break
    console.print(f"  `async with aclosing(...)`, right after the block: {closed}")
    hypothesis(
        console,
        "24.3",
        "with aclosing the connection is closed by the end of the block",
        HELD if closed == ["connection opened", "connection closed"] else NOT_HERE,
        str(closed),
    )


async def _lesson() -> None:
    await demo_drain()
    await demo_aclosing()


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 24, "asyncio streams: drain() and aclosing")
    asyncio.run(_lesson())
    try_next(
        console,
        __file__,
        "in `send`, call `drain()` only every 16 chunks and see where the peak lands between the "
        "two rows of 24.1; then delete `await stream.aclose()` in `demo_aclosing` and add a print "
        "in the generator's `finally`: when does it finally run?",
        [
            (11, "the ingest service that buffered itself to death: backpressure end to end"),
            (6, "too many open files: resources released on every path"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
