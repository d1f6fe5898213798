"""Reusable property checks on recorded histories (used by the challenges' specs)."""

from __future__ import annotations

from dataclasses import dataclass

from simworld.check import SimViolation
from simworld.history import UNKNOWN, Operation
from simworld.kv import KV, MISSING
from simworld.linearizability import LockModel, check_linearizable
from simworld.world import World

__all__ = ["LockPeriod", "expect_finished", "expect_lock_linearizable", "lock_periods"]


@dataclass
class LockPeriod:
    """One uninterrupted ownership of a lock key, from the store's point of view."""

    grant: int
    """1 for the first holder, 2 for the next, ..."""
    owner: str
    start: int
    end: float = float("inf")


def lock_periods(kv: KV, key: str) -> list[LockPeriod]:
    """Who held ``key`` when (the owner is the node that wrote it; its renewals extend a period)."""
    periods: list[LockPeriod] = []
    current: LockPeriod | None = None
    for change in kv.changes:
        if change.key != key:
            continue
        if change.cause == "put":
            if current is not None and current.owner == change.by:
                continue
            if current is not None:
                current.end = change.time
            current = LockPeriod(len(periods) + 1, change.by, change.time)
            periods.append(current)
        elif current is not None:
            current.end = change.time
            current = None
    return periods


def _lock_op(op: Operation, kv_name: str, key: str) -> Operation | None:
    """A KV call on the lock key, seen as a lock operation (None: not a lock operation)."""
    if not op.name.startswith(f"{kv_name}.") or not op.args or op.args[0] != key:
        return None
    verb = op.name.split(".", 1)[1]
    result = op.result
    if isinstance(result, BaseException):
        return None  # the store refused: nothing happened
    conditional = (
        op.meta.get("if_version") is not None or op.meta.get("if_value", MISSING) is not MISSING
    )
    if verb == "put":
        name = "renew" if conditional else "acquire"
        if result is not UNKNOWN:
            result = result is not None
        if not conditional and not op.meta.get("if_absent"):
            name = "acquire"  # an unconditional put takes the lock whatever its state
    elif verb == "delete":
        name = "release"
    else:
        return None
    return Operation(op.id, op.process, name, (), op.invoke, op.complete, result)


def _duplicate(op: Operation) -> Operation:
    """A duplicated request's second delivery: it may have taken effect at any time (or not)."""
    return Operation(
        -op.id - 1_000_000, op.process, op.name, op.args, op.invoke, float("inf"), UNKNOWN
    )


def expect_lock_linearizable(world: World, kv: KV, key: str) -> None:
    """The lock built on ``key`` behaves like one lock (linearizable against LockModel). A
    duplicated request counts as a second operation whose outcome nobody heard."""
    ops: list[Operation] = []
    for op in world.history.operations:
        lock_op = _lock_op(op, kv.name, key)
        if lock_op is None:
            continue
        ops.append(lock_op)
        if len(op.meta.get("applied", ())) > 1:
            ops.append(_duplicate(lock_op))
    owners = {c.version: c.by for c in kv.changes if c.key == key and c.cause == "put"}
    for i, change in enumerate(kv.changes):
        if change.key == key and change.cause == "expire":
            ops.append(
                Operation(
                    -1 - i,
                    kv.name,
                    "expire",
                    (owners[change.version],),
                    change.time,
                    change.time,
                    True,
                )
            )
    result = check_linearizable(ops, LockModel())
    if not result.ok and result.stuck is not None:
        stuck = result.stuck
        raise SimViolation(
            f"the lock does not behave like a lock: no order of the lock operations explains "
            f"'{stuck.process} {stuck.name} -> {stuck.result}'",
            f"checked {len(ops)} lock operations against a sequential lock (linearizability); "
            f"the longest legal order placed {result.placed}",
            "a lock's release must succeed only for its owner, and two nodes can never both acquire it",
            at=int(stuck.complete) if stuck.complete != float("inf") else stuck.invoke,
        )


def expect_finished(world: World, nodes: list[str], what: str) -> None:
    """Every listed node that is up finished its main task (liveness: nobody is stuck forever)."""
    for name in nodes:
        node = world.nodes[name]
        if node.alive and node.tasks and not node.tasks[0].finished.done:
            raise SimViolation(
                f"{name} never finished {what} by t={world.now}ms (stuck?)", at=world.now
            )
