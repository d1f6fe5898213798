"""Tools for fault tests: a server of the test's own that it can kill, a TCP proxy it can cut, and
a narrator that does either at a chosen step of a pattern (so the fault lands at a known point)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

from practical import Narrator
from practical.services import free_port


def _wait_listening(
    port: int, process: subprocess.Popen[bytes] | None, deadline: float = 30.0
) -> None:
    """Return once 127.0.0.1:port accepts a connection (a readiness check, bounded in time)."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} at start-up")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {deadline:g} s")


@contextlib.contextmanager
def own_server(command: Callable[[int], list[str]]) -> Iterator[tuple[int, Callable[[], None]]]:
    """Start ``command(port)`` on a free port; yields ``(port, kill)``. Always stopped at the end."""
    port = free_port()
    process = subprocess.Popen(
        command(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    try:
        _wait_listening(port, process)
        yield port, kill
    finally:
        kill()


class Proxy:
    """Forwards 127.0.0.1:port to ``target``; :meth:`cut` closes it and every connection at once."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The server "dies": new connections are refused, open ones are reset."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): the port stops listening
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the pumps; the peers read end-of-stream


class FaultAt(Narrator):
    """A quiet narrator that calls ``fault()`` when a step containing ``marker`` is narrated."""

    def __init__(self, marker: str, fault: Callable[[], None]) -> None:
        super().__init__(quiet=True)
        self.marker = marker
        self._fault = fault
        self.fault_at: float | None = None
        self.warnings: list[str] = []

    def step(self, text: str) -> None:
        super().step(text)
        if self.fault_at is None and self.marker in text:
            self._fault()
            self.fault_at = time.monotonic()

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        super().warn(text)
