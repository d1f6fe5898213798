"""Challenge 6: "Too many open files" (connections and files leaked on error paths)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    LeakCheck,
    PerformanceCheck,
    PropertyCheck,
    expect,
)

CUSTOMERS = ["acme", "broken-1", "globex", "broken-2", "initech", "broken-3"]


def _export_sequentially(mod: ModuleType, pool: object, customers: list[str], folder: Path) -> dict[str, object]:
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
        _export_sequentially(mod, pool, CUSTOMERS, Path(folder))
        pool.close()


def pool_survives_failures(mod: ModuleType, ctx: CheckContext) -> None:
    """With a pool of two, three failed exports must not block the next good one."""
    pool = mod.ConnectionPool(size=2, query_seconds=0.001, acquire_timeout=0.2)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        _export_sequentially(mod, pool, ["broken-1", "broken-2", "broken-3"], folder)
        outcome = _export_sequentially(mod, pool, ["acme"], folder)["acme"]
        leftovers = sorted(p.name for p in folder.iterdir())
        pool.close()
    expect(pool.in_use == 0,
           f"{pool.in_use} connections are still checked out after every export finished",
           "each failed export kept its connection: the pool shrinks by one per failure",
           kind=FindingKind.FD_LEAK)
    expect(isinstance(outcome, Path), f"a good export failed after three bad ones: {outcome}",
           kind=FindingKind.FD_LEAK)
    expect(leftovers == ["acme.csv"],
           f"failed exports left files behind: {leftovers}",
           "customers can download a half-written report as if it were complete",
           kind=FindingKind.INVARIANT)


def month_end(mod: ModuleType) -> None:
    """Eight exports (two failing) on four threads with a pool of four: queries must overlap."""
    pool = mod.ConnectionPool(size=4, query_seconds=0.005, acquire_timeout=2.0)
    customers = ["a", "b", "broken-c", "d", "e", "broken-f", "g", "h"]
    with tempfile.TemporaryDirectory() as folder:
        mod.export_all(pool, customers + [f"{c}-2" for c in customers], Path(folder), workers=4)
        pool.close()


SPEC = ChallengeSpec(
    number=6,
    slug="resource_leak",
    title="Too many open files",
    summary="A report exporter loses a pooled connection and a file handle on every failed export.",
    concepts=("resource leak", "connection pool", "try/finally", "context managers", "atomic writes"),
    difficulty=2,
    intended=FindingKind.FD_LEAK,
    checks=(
        LeakCheck("failed exports give back their connection", failed_exports_release, kinds=("fds", "threads"),
                  hint="Follow a BadInvoice from the `raise` to the caller: which lines after it never run?"),
        PropertyCheck("the pool survives failed exports", pool_survives_failures, kind=FindingKind.FD_LEAK),
        PerformanceCheck("exports run in parallel", month_end, reference="context_managers"),
    ),
    hints=(
        "`learn check 6` lists the sockets still open after the pool was closed. Which code path borrowed them and never gave them back?",
        "An exception skips every line after it in the function: here `out.close()` and `pool.release(connection)`. Error paths need cleanup too.",
        "Python has a construct that runs cleanup however a block exits: `try`/`finally`, and its friendly form, the `with` statement (a context manager).",
        "Release the connection in `finally` (or give the pool a `@contextmanager` method), open the file with `with`, and on error delete the half-written file (or write to a temporary file and `os.replace` it at the end).",
    ),
)
