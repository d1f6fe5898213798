"""Challenge 6: "Too many open files" (connections and files leaked on error paths)."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    LeakCheck,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
    Violation,
    expect,
)

CUSTOMERS = ["acme", "broken-1", "globex", "broken-2", "initech", "broken-3"]
_still_running: list[object] = []
"""What a long-running exporter keeps after a batch: its pool and the batch's outcome (errors
with their tracebacks, for the error report). Without this, the garbage collector would
close leaked sockets and files as soon as the scenario returns and hide the leak."""


def _export_sequentially(
    mod: ModuleType, pool: object, customers: list[str], folder: Path
) -> dict[str, object]:
    outcome: dict[str, object] = {}
    for customer in customers:
        try:
            outcome[customer] = mod.export_report(pool, customer, folder)
        except (mod.BadInvoice, mod.PoolExhausted) as error:
            outcome[customer] = error
    return outcome


def failed_exports_release(mod: ModuleType) -> None:
    """Six exports, three of them failing, then the pool is closed: no socket may stay open."""
    pool = mod.ConnectionPool(size=4, query_seconds=0.001, acquire_timeout=0.2)
    with tempfile.TemporaryDirectory() as folder:
        outcome = _export_sequentially(mod, pool, CUSTOMERS, Path(folder))
        pool.close()
    _still_running.extend((pool, outcome))


def pool_survives_failures(mod: ModuleType, ctx: CheckContext) -> None:
    """With a pool of two, three failed exports must not block the next good one."""
    pool = mod.ConnectionPool(size=2, query_seconds=0.001, acquire_timeout=0.2)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        _export_sequentially(mod, pool, ["broken-1", "broken-2", "broken-3"], folder)
        outcome = _export_sequentially(mod, pool, ["acme"], folder)["acme"]
        leftovers = sorted(p.name for p in folder.iterdir())
        pool.close()
    expect(
        pool.in_use == 0,
        f"{pool.in_use} connections are still checked out after every export finished",
        "each failed export kept its connection: the pool shrinks by one per failure",
        kind=FindingKind.FD_LEAK,
    )
    expect(
        isinstance(outcome, Path),
        f"a good export failed after three bad ones: {outcome}",
        kind=FindingKind.FD_LEAK,
    )
    expect(
        leftovers == ["acme.csv"],
        f"failed exports left files behind: {leftovers}",
        "customers can download a half-written report as if it were complete",
        kind=FindingKind.INVARIANT,
    )


def exhausted_pool_is_reported(mod: ModuleType, ctx: CheckContext) -> None:
    """Every connection is taken (a long-running export holds the only one): exports that cannot
    get one within the pool's timeout are reported as failed by export_all, like any other failed
    export (export_all returns each customer's file name or error)."""
    pool = mod.ConnectionPool(size=1, query_seconds=0.001, acquire_timeout=0.05)
    held = pool.acquire()
    try:
        with tempfile.TemporaryDirectory() as folder_name:
            folder = Path(folder_name)
            try:
                outcome = mod.export_all(pool, ["acme", "globex"], folder, workers=2)
            except Exception as error:
                raise Violation(
                    f"export_all raised {type(error).__name__}: {error} when the pool had no free connection",
                    "an export that cannot get a connection (PoolExhausted) must be reported as failed like "
                    "any other, not crash the batch: was a connection released that acquire() never returned?",
                    kind=FindingKind.INVARIANT,
                ) from error
    finally:
        pool.release(held)
        pool.close()
    expect(
        all(str(outcome.get(c, "")).startswith("failed") for c in ("acme", "globex")),
        f"exports with no connection available were not reported as failed: {outcome}",
    )


def _rows_of(text: str) -> list[str]:
    return [line.split(",", 1)[0] for line in text.splitlines()[1:] if line.strip()]


def concurrent_exports(mod: ModuleType) -> None:
    """Two good exports and a failing one run at once on a pool of three: each good customer gets
    a complete report of their own invoices, the failing one reports its failure, and every
    connection is back in the pool afterwards."""
    pool = mod.ConnectionPool(
        size=3, query_seconds=0.001, acquire_timeout=1.0
    )  # nobody waits for a connection
    customers = ["acme", "broken-1", "globex"]
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        outcome = mod.export_all(pool, customers, folder, workers=3)
        files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    in_use = pool.in_use
    pool.close()
    expect(
        in_use == 0,
        f"{in_use} connections still checked out after every export finished",
        "giving a connection back must happen under the pool's lock (release()), or updates get lost",
        kind=FindingKind.FD_LEAK,
    )
    expect(
        sorted(files) == ["acme.csv", "globex.csv"],
        f"files in the export folder: {sorted(files)}, expected acme.csv and globex.csv only",
        f"outcome: {outcome}",
    )
    for customer in ("acme", "globex"):
        rows = _rows_of(files[f"{customer}.csv"])
        expect(
            rows == [f"{customer}-{n}" for n in range(1, 6)],
            f"{customer}.csv does not hold exactly {customer}'s five invoices: {rows}",
            "two exports wrote into the same file (a shared temporary name?)",
        )
    expect(
        str(outcome.get("broken-1", "")).startswith("failed"),
        f"the failing export was not reported as failed: {outcome.get('broken-1')!r}",
    )


def freed_connection_wakes_a_waiter(mod: ModuleType) -> None:
    """A pool of one: a failing export holds the connection while a good export waits for it.
    However the failed export gives the connection back, the waiting export must get it then,
    not only when its own timeout runs out (a path that frees capacity without notify() loses
    the wakeup: the waiter sleeps through it until its deadline)."""
    timeout = 5.0
    pool = mod.ConnectionPool(size=1, query_seconds=0.001, acquire_timeout=timeout)
    outcome: dict[str, str] = {}
    began: dict[str, float] = {}
    ended: dict[str, float] = {}
    in_use_after: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)

        def export(customer: str) -> None:
            began[customer] = time.monotonic()
            try:
                mod.export_report(pool, customer, folder)
                outcome[customer] = "ok"
            except Exception as error:  # the verdict reads the outcome below
                outcome[customer] = type(error).__name__
            ended[customer] = time.monotonic()
            in_use_after[customer] = getattr(pool, "in_use", None)

        threads = [
            threading.Thread(target=export, args=(c,), name=f"export-{c}")
            for c in ("broken-1", "acme")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    pool.close()
    # Virtual time: a waiter may time out fairly while the failing export still holds the
    # connection (the clock can jump to its deadline); only a connection freed *before* the
    # waiter's deadline, slept through until that deadline, is a lost wakeup.
    freed = in_use_after.get("broken-1") == 0
    deadline = began["acme"] + timeout
    expect(
        not (freed and ended["broken-1"] < deadline <= ended["acme"]),
        f"export acme waited for a connection until its {timeout:g} s timeout (t={ended['acme'] - began['acme']:.3f}s) "
        f"although the failed export broken-1 had given the only connection back at "
        f"t={ended['broken-1'] - began['acme']:.3f}s",
        "the path that returned (or discarded) the failed export's connection did not wake the waiters "
        "(notify()): a lost wakeup, so the pool looks exhausted while it is free",
        f"outcomes: {outcome}",
    )


class _DroppedConnection(ConnectionError):
    """The database dropped the connection in the middle of a query."""


def database_drops_connections(mod: ModuleType, ctx: CheckContext) -> None:
    """The database drops the connection during some queries (an injected fault): the export
    must fail to its caller, give the connection back, leave no file, and the pool keeps serving."""
    import gc
    import os

    original = mod.Connection.query_invoices

    def flaky(self: object, customer: str) -> object:
        if customer.startswith("drop"):
            original(self, customer)  # the query's latency, then the fault
            raise _DroppedConnection(
                f"server closed the connection during the query for {customer}"
            )
        return original(self, customer)

    gc.collect()
    fds_before = len(os.listdir("/proc/self/fd"))
    mod.Connection.query_invoices = flaky
    try:
        pool = mod.ConnectionPool(size=2, query_seconds=0.001, acquire_timeout=0.2)
        with tempfile.TemporaryDirectory() as folder_name:
            folder = Path(folder_name)
            swallowed = []
            for customer in ["drop-1", "drop-2", "drop-3"]:
                try:
                    result = mod.export_report(pool, customer, folder)
                except _DroppedConnection:
                    continue
                except Exception as error:
                    swallowed.append(f"{customer}: raised {type(error).__name__}: {error}")
                    continue
                swallowed.append(f"{customer}: returned {result!r}")
            good = _export_sequentially(mod, pool, ["acme"], folder)["acme"]
            leftovers = sorted(p.name for p in folder.iterdir())
            in_use = pool.in_use
            pool.close()
    finally:
        mod.Connection.query_invoices = original
    expect(
        not swallowed,
        "an export whose connection was dropped did not raise the database's error",
        *swallowed,
        "the caller must learn that the export failed, and why",
        kind=FindingKind.INVARIANT,
    )
    expect(
        in_use == 0,
        f"{in_use} connections still checked out after three exports lost their connection",
        "injected fault: ConnectionError from query_invoices (not BadInvoice) — cleanup must run for every error",
        kind=FindingKind.FD_LEAK,
    )
    expect(
        isinstance(good, Path),
        f"a good export failed after three dropped connections: {good}",
        kind=FindingKind.FD_LEAK,
    )
    expect(
        leftovers == ["acme.csv"],
        f"exports whose connection dropped left files behind: {leftovers}",
        kind=FindingKind.INVARIANT,
    )
    gc.collect()
    fds_after = len(os.listdir("/proc/self/fd"))
    expect(
        fds_after <= fds_before,
        f"{fds_after - fds_before} file descriptors still open after the pool was closed",
        "injected fault: ConnectionError from query_invoices",
        kind=FindingKind.FD_LEAK,
    )


def month_end(mod: ModuleType) -> None:
    """Sixteen exports (four failing) on four threads with a pool of four: queries must overlap.

    Four workers never wait for one of four connections, so a short ``acquire_timeout`` only
    cuts short the wait of a program whose failed exports leaked the whole pool.
    """
    pool = mod.ConnectionPool(size=4, query_seconds=0.005, acquire_timeout=0.1)
    customers = ["a", "b", "broken-c", "d", "e", "broken-f", "g", "h"]
    with tempfile.TemporaryDirectory() as folder:
        mod.export_all(pool, customers + [f"{c}-2" for c in customers], Path(folder), workers=4)
        pool.close()


SPEC = ChallengeSpec(
    number=6,
    slug="resource_leak",
    title="Too many open files",
    summary="A report exporter loses a pooled connection and a file handle on every failed export.",
    concepts=(
        "resource leak",
        "connection pool",
        "try/finally",
        "context managers",
        "atomic writes",
    ),
    difficulty=2,
    intended=FindingKind.FD_LEAK,
    checks=(
        LeakCheck(
            "failed exports give back their connection",
            failed_exports_release,
            kinds=("fds", "threads"),
            hint="Follow a BadInvoice from the `raise` to the caller: which lines after it never run?",
        ),
        PropertyCheck(
            "the pool survives failed exports", pool_survives_failures, kind=FindingKind.FD_LEAK
        ),
        PropertyCheck(
            "an exhausted pool is reported, not a crash",
            exhausted_pool_is_reported,
            kind=FindingKind.INVARIANT,
            hint="Only give back a connection you got: acquire() before the try whose finally releases.",
        ),
        PropertyCheck(
            "dropped connections are cleaned up too",
            database_drops_connections,
            kind=FindingKind.FD_LEAK,
            hint="Clean up in `finally` (or `with`), so every exception releases the connection and the file.",
        ),
        ScheduleCheck(
            "concurrent exports stay separate and exact",
            concurrent_exports,
            max_schedules=60,
            kind=FindingKind.RACE,
            hint="Each export needs its own file, and the pool's bookkeeping needs the pool's lock.",
        ),
        ScheduleCheck(
            "a freed connection wakes a waiting export",
            freed_connection_wakes_a_waiter,
            max_schedules=60,
            kind=FindingKind.INVARIANT,
            hint="Whatever gives capacity back to the pool must notify its waiters, as release() does.",
        ),
        PerformanceCheck("exports run in parallel", month_end, reference="context_managers"),
    ),
    time_budget_seconds=60.0,
    hints=(
        "`learn check 6` lists the sockets still open after the pool was closed. Which code path borrowed them and never gave them back?",
        "An exception skips every line after it in the function: here `out.close()` and `pool.release(connection)`. Error paths need cleanup too.",
        "Python has a construct that runs cleanup however a block exits: `try`/`finally`, and its friendly form, the `with` statement (a context manager).",
        "Release the connection in `finally` (or give the pool a `@contextmanager` method), open the file with `with`, and on error delete the half-written file (or write to a temporary file and `os.replace` it at the end).",
    ),
)
