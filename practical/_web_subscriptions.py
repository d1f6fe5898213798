"""The subscriptions pattern: a GraphQL event stream to fast subscribers and one slow one.

Real WebSocket clients speak graphql-transport-ws to the app's /graphql. The slow subscriber
reads slowly (or not at all until publishing is over); with small socket buffers on both sides
(8 KiB, where the kernel would otherwise absorb megabytes first) its TCP window closes within
kilobytes, the server's send to it waits, and its queue in the hub fills: the hub's policy
decides who pays for it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass
from typing import Any

from practical._narrate import Narrator

PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = "subscription ($name: String!) { events(name: $name) { seq dropped payload } }"
PUBLISH = "mutation ($count: Int!, $size: Int!) { publish(count: $count, size: $size, close: true) { blockedMs } }"


@dataclass
class Received:
    """What one subscriber saw: the sequence numbers in arrival order, and when the last arrived."""

    seqs: list[int]
    dropped: int
    last_at: float

    def in_order(self) -> bool:
        return all(a < b for a, b in zip(self.seqs, self.seqs[1:], strict=False))


async def subscribe(url: str, name: str, receive_buffer: int | None = None) -> Any:
    """Open a WebSocket, do the graphql-transport-ws handshake, and start the ``events`` subscription."""
    import websockets
    from websockets.typing import Subprotocol

    sock = None
    if receive_buffer is not None:  # a small window: the server feels this reader's pace at once
        host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await websockets.connect(
        url,
        subprotocols=[Subprotocol(PROTOCOL)],
        sock=sock,
        max_queue=4 if sock else 16,
        compression=None,
    )  # the events are all "x": deflate would shrink them 100×
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await ws.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"the server refused the GraphQL WebSocket handshake: {ack}")
    await ws.send(
        json.dumps(
            {
                "id": name,
                "type": "subscribe",
                "payload": {"query": SUBSCRIPTION, "variables": {"name": name}},
            }
        )
    )
    return ws


async def drain(
    ws: Any, start: float, gate: asyncio.Event | None = None, pause: float = 0.0
) -> Received:
    """Read ``next`` messages until ``complete``; wait for ``gate`` first; ``pause`` after each (work)."""
    if gate is not None:
        await gate.wait()
    seqs: list[int] = []
    dropped = 0
    last_at = 0.0
    try:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "complete":
                return Received(seqs, dropped, last_at)
            if message["type"] != "next" or "errors" in message["payload"]:
                raise RuntimeError(f"the subscription failed: {message}")
            event = message["payload"]["data"]["events"]
            seqs.append(event["seq"])
            dropped = event["dropped"]
            last_at = time.perf_counter() - start
            if pause:
                await asyncio.sleep(pause)  # the subscriber's own work on each event
    finally:
        await ws.close()


async def fan_out(policy: str, fast: int, events: int, size: int, pause: float) -> dict[str, Any]:
    """Publish ``events`` to ``fast`` quick subscribers and one slow one under ``policy``; what each saw.

    Under ``drop-oldest`` the slow subscriber reads nothing until the publish mutation has
    returned (a publisher it could hold back would never return); under ``block`` it reads from
    the start, ``pause`` seconds per event.
    """
    import httpx

    from practical._web_graphql import Hub
    from practical.webserver import serving

    hub = Hub(maxsize=32, policy=policy)  # type: ignore[arg-type]
    async with (
        serving(hub=hub, send_buffer=8192) as running,
        httpx.AsyncClient(base_url=running.base, timeout=120) as client,
    ):
        url = running.base.replace("http://", "ws://") + "/graphql"
        sockets = [await subscribe(url, f"fast-{i}") for i in range(fast)]
        slow = await subscribe(url, "slow", receive_buffer=4096)
        await hub.wait_for_subscribers(fast + 1)
        gate = asyncio.Event() if policy == "drop-oldest" else None
        start = time.perf_counter()
        readers = [asyncio.create_task(drain(ws, start)) for ws in sockets]
        slow_reader = asyncio.create_task(drain(slow, start, gate, pause))
        answer = (
            await client.post(
                "/graphql", json={"query": PUBLISH, "variables": {"count": events, "size": size}}
            )
        ).json()
        publish_ms = (time.perf_counter() - start) * 1000
        if gate is not None:
            gate.set()
        fast_seen = await asyncio.gather(*readers)
        slow_seen = await slow_reader
    if "errors" in answer:
        raise RuntimeError(f"the publish mutation failed: {answer['errors']}")
    every = list(range(events))
    return {
        "publish_ms": publish_ms,
        "blocked_ms": answer["data"]["publish"]["blockedMs"],
        "fast_complete": sum(seen.seqs == every for seen in fast_seen),
        "fast_last_ms": max(seen.last_at for seen in fast_seen) * 1000,
        "fast_dropped": sum(seen.dropped for seen in fast_seen),
        "slow_received": len(slow_seen.seqs),
        "slow_dropped": slow_seen.dropped,
        "slow_in_order": slow_seen.in_order(),
        "slow_got_last": bool(slow_seen.seqs) and slow_seen.seqs[-1] == events - 1,
        "slow_last_ms": slow_seen.last_at * 1000,
    }


async def subscriptions(
    out: Narrator, fast: int = 3, events: int = 1000, size: int = 512, pause: float = 0.002
) -> None:
    out.step(
        f"{fast} fast subscribers and 1 slow one (small receive buffer, {pause * 1000:g} ms per event) "
        f"subscribe over graphql-transport-ws; a mutation publishes {events} events of {size} bytes; "
        "each subscriber has a queue of 32 in the hub"
    )
    for policy in ("block", "drop-oldest"):
        seen = await fan_out(policy, fast, events, size, pause)
        out.step(
            f"policy {policy}: "
            + (
                "the publisher waits for room in a full queue"
                if policy == "block"
                else "a full queue drops its oldest event; the slow reader starts "
                "only after the publish mutation returned"
            )
        )
        key = policy.replace("-", "_")
        out.fact(f"{key}_publish_ms", seen["publish_ms"], "publishing took (ms)")
        out.fact(f"{key}_blocked_ms", seen["blocked_ms"], "publisher waiting on full queues (ms)")
        out.fact(
            f"{key}_fast_last_ms",
            seen["fast_last_ms"],
            "the fast subscribers had every event after (ms)",
        )
        out.fact(
            f"{key}_fast_complete",
            seen["fast_complete"],
            f"fast subscribers with all {events}, in order",
        )
        out.fact(f"{key}_fast_dropped", seen["fast_dropped"], "events the fast subscribers lost")
        out.fact(f"{key}_slow_received", seen["slow_received"], "events the slow subscriber got")
        out.fact(f"{key}_slow_dropped", seen["slow_dropped"], "events the slow subscriber lost")
        out.fact(
            f"{key}_slow_accounted",
            seen["slow_received"] + seen["slow_dropped"] == events,
            "slow: received + dropped = published",
        )
        out.fact(
            f"{key}_slow_in_order",
            seen["slow_in_order"] and seen["slow_got_last"],
            "slow: in order, ending with the newest event",
        )
    out.lesson(
        "fan-out needs a queue per subscriber and a rule for when it is full: blocking loses nothing "
        "but lets the slowest subscriber pace the publisher and everyone else; dropping the oldest keeps "
        "the others on time and memory bounded, and the slow one sees exactly what it missed"
    )
