# fix-judgement: wrong
# class: timing
# why: A failed export closes its connection via a new pool.discard() that decrements in_use but never notifies the Condition, so an export already waiting for a connection is not woken and only gets one when its acquire_timeout expires (size=1: waits 2.2 s instead of 0.35 s)
"""Fix: a failed export deletes its partial report and discards (closes) its connection instead
of returning it, so a possibly broken connection is never reused; good ones are released."""

from __future__ import annotations

import contextlib
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
        self.idle: list[Connection] = []
        self.in_use = 0
        self.opened: list[Connection] = []
        """Every connection this pool opened (the monitoring endpoint reports them)."""
        self._available = threading.Condition()

    def acquire(self) -> Connection:
        """Borrow a connection; raises PoolExhausted after ``acquire_timeout`` seconds."""
        with self._available:
            if not self._available.wait_for(lambda: self.idle or self.in_use < self.size, self.acquire_timeout):
                raise PoolExhausted(f"all {self.size} connections are in use")
            self.in_use += 1
            if self.idle:
                return self.idle.pop()
            connection = Connection(self.query_seconds)
            self.opened.append(connection)
            return connection

    def release(self, connection: Connection) -> None:
        with self._available:
            self.in_use -= 1
            self.idle.append(connection)
            self._available.notify()

    def discard(self, connection: Connection) -> None:
        """Close a connection that failed mid-export instead of reusing it."""
        with self._available:
            self.in_use -= 1
            connection.close()
            self.opened.remove(connection)

    def close(self) -> None:
        """Close the idle connections (call when no export is running)."""
        with self._available:
            for connection in self.idle:
                connection.close()
                self.opened.remove(connection)
            self.idle.clear()

    def stats(self) -> str:
        return f"{len(self.opened)} open, {self.in_use} in use, {len(self.idle)} idle"


def export_report(pool: ConnectionPool, customer: str, folder: Path) -> Path:
    """Write ``customer``'s invoices to ``folder/<customer>.csv``; raises BadInvoice."""
    connection = pool.acquire()
    path = folder / f"{customer}.csv"
    try:
        rows = connection.query_invoices(customer)
        with path.open("w", encoding="utf-8") as out:
            out.write("invoice,amount\n")
            for invoice, amount in rows:
                if amount != amount:  # NaN: the row is corrupt
                    raise BadInvoice(f"{invoice} has no amount")
                out.write(f"{invoice},{amount:.2f}\n")
    except BaseException:
        path.unlink(missing_ok=True)
        pool.discard(connection)  # do not hand a possibly broken connection to the next export
        raise
    pool.release(connection)
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
