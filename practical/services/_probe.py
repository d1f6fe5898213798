"""Is a service reachable? A TCP connect to each of its addresses, all services at once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass

from practical.services._catalogue import Service

__all__ = ["Reachability", "probe", "probe_all"]


@dataclass(frozen=True)
class Reachability:
    """What a probe found: reachable or not, and why."""

    service: Service
    address: str
    reachable: bool
    reason: str


async def _connect(host: str, port: int, limit: float) -> str | None:
    """None when a TCP connection opens, else the reason it did not."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit)
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return f"no answer within {limit:g} s"
    except socket.gaierror:
        return f"host name '{host}' does not resolve"
    except OSError as error:
        return error.strerror or type(error).__name__
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


async def _probe(service: Service, limit: float) -> Reachability:
    if service.embedded:
        return Reachability(service, "in-process", True, "embedded, always available")
    addresses = service.host_ports()
    shown = ",".join(f"{host}:{port}" for host, port in addresses)
    last = "no address configured"
    for host, port in addresses:
        failure = await _connect(host, port, limit)
        if failure is None:
            return Reachability(service, shown, True, "accepts connections")
        last = failure if len(addresses) == 1 else f"{host}:{port}: {failure}"
    return Reachability(service, shown, False, last)


def probe(service: Service, limit: float = 1.0) -> Reachability:
    """Probe one service (from synchronous code)."""
    return asyncio.run(_probe(service, limit))


def probe_all(services: tuple[Service, ...], limit: float = 1.0) -> list[Reachability]:
    """Probe every service concurrently: the slowest timeout bounds the whole table."""

    async def run() -> list[Reachability]:
        return list(await asyncio.gather(*(_probe(s, limit) for s in services)))

    return asyncio.run(run())
