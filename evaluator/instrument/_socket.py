"""Instrumented ``socket.socket.recv``: a wait with a timeout is a virtual-time wait under the scheduler.

A program that waits for a peer with ``sock.settimeout(t); sock.recv(n)`` blocks its OS thread
for real, invisible to the controlled scheduler and its virtual clock. Under the scheduler, a
``recv`` on a socket with a timeout and no data ready becomes a timed wait (woken when data
arrives or the virtual deadline passes, then ``TimeoutError``), recorded like a sleep: an I/O
wait the performance check and the held-lock detector can see. Outside the scheduler it is
the real ``recv``.
"""

from __future__ import annotations

import select
import socket
from typing import Any

from evaluator.events import EventKind
from evaluator.instrument._runtime import call_site, controlled, emit

__all__ = ["install", "uninstall"]

_real_recv: Any = None


def _ready(sock: socket.socket) -> bool:
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True  # closed: let the real recv raise what it raises


def recv(self: socket.socket, bufsize: int, flags: int = 0) -> bytes:
    c = controlled()
    timeout = self.gettimeout()
    if c is None or not timeout or _ready(self):
        return bytes(_real_recv(self, bufsize, flags))
    where = call_site()
    emit(EventKind.SLEEP_START, value=int(timeout * 1e9), where=where, detail="recv")
    try:
        arrived = c[0].block(c[1], lambda: _ready(self), timeout, self, "recv")
    finally:
        emit(EventKind.SLEEP_END, where=where, detail="recv")
    if not arrived:
        raise TimeoutError("timed out")
    return bytes(_real_recv(self, bufsize, flags))


def install() -> None:
    global _real_recv
    if _real_recv is None:
        _real_recv = socket.socket.recv
        socket.socket.recv = recv  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    global _real_recv
    if _real_recv is not None:
        socket.socket.recv = _real_recv  # type: ignore[method-assign]
        _real_recv = None
