# fix-judgement: right
# class: other (Semaphore pool)
# why: Pool rebuilt as BoundedSemaphore(size) + LifoQueue of idle connections (release() frees a permit, waking a waiter at once; creation failure gives the permit back); export releases in finally after the query and unlinks a report whose writing failed
"""Fix: the pool is a BoundedSemaphore of slots plus a LifoQueue of idle connections; exports
release in finally right after the query and delete a report whose writing failed."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class PoolExhausted(Exception):
    """No connection became free in time."""


class BadInvoice(Exception):
    """An invoice row cannot be exported (missing amount, unknown currency...)."""


class Connection:
    """A database connection (a real socket, so a leak costs real file descriptors)."""

    def __init__(self, query_seconds: float) -> None:
        self._sock, self._server_side = socket.socketpair()
        self.query_seconds = query_seconds

    def query_invoices(self, customer: str) -> list[tuple[str, float]]:
        self._sock.settimeout(self.query_seconds)
        with contextlib.suppress(TimeoutError):
            self._sock.recv(1)  # waits for the "database" (which never answers): the query latency
        amounts = [(f"{customer}-{n}", 10.0 * n) for n in range(1, 6)]
        if customer.startswith("broken"):
            amounts.append((f"{customer}-6", float("nan")))
        return amounts

    def close(self) -> None:
        self._sock.close()
        self._server_side.close()


class ConnectionPool:
    """At most ``size`` connections, created on demand and reused."""

    def __init__(self, size: int = 4, query_seconds: float = 0.002, acquire_timeout: float = 2.0) -> None:
        self.size = size
        self.query_seconds = query_seconds
        self.acquire_timeout = acquire_timeout
        self._permits = threading.BoundedSemaphore(size)  # one permit per connection slot
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()
        self._lock = threading.Lock()
        self.in_use = 0
        self.opened: list[Connection] = []
        """Every connection this pool opened (the monitoring endpoint reports them)."""

    @property
    def idle(self) -> list[Connection]:
        with self._idle.mutex:
            return list(self._idle.queue)

    def acquire(self) -> Connection:
        """Borrow a connection; raises PoolExhausted after ``acquire_timeout`` seconds."""
        if not self._permits.acquire(timeout=self.acquire_timeout):
            raise PoolExhausted(f"all {self.size} connections are in use")
        try:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                connection = Connection(self.query_seconds)
                with self._lock:
                    self.opened.append(connection)
        except BaseException:
            self._permits.release()
            raise
        with self._lock:
            self.in_use += 1
        return connection

    def release(self, connection: Connection) -> None:
        with self._lock:
            self.in_use -= 1
        self._idle.put(connection)
        self._permits.release()  # wakes one waiting acquire() right away

    def close(self) -> None:
        """Close the idle connections (call when no export is running)."""
        while True:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                break
            connection.close()
            with self._lock:
                self.opened.remove(connection)

    def stats(self) -> str:
        return f"{len(self.opened)} open, {self.in_use} in use, {len(self.idle)} idle"


def export_report(pool: ConnectionPool, customer: str, folder: Path) -> Path:
    """Write ``customer``'s invoices to ``folder/<customer>.csv``; raises BadInvoice."""
    connection = pool.acquire()
    try:
        rows = connection.query_invoices(customer)
    finally:
        pool.release(connection)
    path = folder / f"{customer}.csv"
    try:
        with path.open("w", encoding="utf-8") as out:
            out.write("invoice,amount\n")
            for invoice, amount in rows:
                if amount != amount:  # NaN: the row is corrupt
                    raise BadInvoice(f"{invoice} has no amount")
                out.write(f"{invoice},{amount:.2f}\n")
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written report for the customer to download
        raise
    return path


def export_all(pool: ConnectionPool, customers: list[str], folder: Path, workers: int = 4) -> dict[str, str]:
    """Export every customer on a thread pool; returns customer -> file name or error."""

    def one(customer: str) -> str:
        try:
            return export_report(pool, customer, folder).name
        except (BadInvoice, PoolExhausted) as error:
            return f"failed: {error}"

    with ThreadPoolExecutor(max_workers=workers) as executor:
        return dict(zip(customers, executor.map(one, customers), strict=True))


def main() -> None:
    import os
    import tempfile

    pool = ConnectionPool(size=4, acquire_timeout=0.5)
    fds_before = len(os.listdir("/proc/self/fd"))
    with tempfile.TemporaryDirectory() as folder:
        customers = ["broken-1", "acme", "broken-2", "globex", "broken-3", "initech", "broken-4",
                     "umbrella", "hooli", "stark"]
        for customer, outcome in export_all(pool, customers, Path(folder), workers=1).items():
            print(f"{customer:10} {outcome}")
        pool.close()
        print(f"pool after close: {pool.stats()}")
        print(f"open file descriptors: {fds_before} before, {len(os.listdir('/proc/self/fd'))} after")
        leftovers = [p.name for p in Path(folder).iterdir() if p.stem.startswith("broken")]
        print(f"half-written reports left for customers to download: {leftovers}")


if __name__ == "__main__":
    main()
