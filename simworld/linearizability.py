"""Is a concurrent history linearizable? (Wing & Gong's search with Lowe's memoization, the
algorithm behind Knossos and Porcupine.)

Each operation took effect at one instant between its invoke and its complete time. The
history is *linearizable* if some choice of those instants, applied one by one to a
sequential model of the object, reproduces every result the clients saw. An operation whose
result never came back (``UNKNOWN``: a timeout, a crash) may take effect at any point after
its invoke, or never.

A model is ``init`` (a hashable state) plus ``step(state, op) -> list of next states``: an
empty list means "this result is impossible in this state".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from simworld.history import UNKNOWN, Operation

__all__ = ["LinearizabilityResult", "LockModel", "Model", "RegisterModel", "check_linearizable"]


class Model(Protocol):
    """A sequential specification."""

    @property
    def init(self) -> Any:
        """The state before any operation."""

    def step(self, state: Any, op: Operation) -> list[Any]: ...


@dataclass(frozen=True)
class RegisterModel:
    """A read/write register. Ops: ``write(v)``, ``read() -> v``."""

    init: Any = None

    def step(self, state: Any, op: Operation) -> list[Any]:
        if op.name == "write":
            return [op.args[0]]
        if op.name == "read":
            return [state] if op.result is UNKNOWN or op.result == state else []
        raise ValueError(f"register has no operation {op.name!r}")


@dataclass(frozen=True)
class LockModel:
    """A lease lock; the state is the owner (``None`` when free).

    Ops by process ``c``: ``acquire() -> True/False``, ``release() -> True/False`` (True only
    for the owner), ``renew() -> True/False`` (True only for the owner), and the lock
    service's own ``expire(c)``, which frees a lock held by ``c``.
    """

    init: Any = None

    def step(self, state: Any, op: Operation) -> list[Any]:
        me, result = op.process, op.result
        if op.name == "expire":
            return [None] if state == op.args[0] else []
        if op.name == "acquire":
            outcome = [me] if state is None else [state]
            if result is UNKNOWN:
                return outcome
            return outcome if result == (state is None) else []
        if op.name in ("release", "renew"):
            owner = state == me
            after = (None if op.name == "release" else me) if owner else state
            if result is UNKNOWN:
                return [after]
            return [after] if bool(result) == owner else []
        raise ValueError(f"lock has no operation {op.name!r}")


@dataclass(frozen=True)
class LinearizabilityResult:
    ok: bool
    stuck: Operation | None = None
    """The earliest-completing operation no legal order could place (when not ok)."""
    placed: int = 0
    """How many operations the longest legal prefix placed."""


def check_linearizable(ops: Sequence[Operation], model: Model) -> LinearizabilityResult:
    """Search for a linearization of ``ops`` against ``model`` (see module docstring)."""
    ops = sorted(ops, key=lambda o: (o.invoke, o.complete))
    n = len(ops)
    full = (1 << n) - 1
    invoke = [o.invoke for o in ops]
    complete = [o.complete for o in ops]
    seen: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = [(0, model.init)]
    deepest, deepest_mask = -1, 0
    while stack:
        mask, state = stack.pop()
        if mask == full:
            return LinearizabilityResult(True, placed=n)
        if (mask, state) in seen:
            continue
        seen.add((mask, state))
        placed = mask.bit_count()
        if placed > deepest:
            deepest, deepest_mask = placed, mask
        # candidates: pending ops invoked before the earliest pending completion
        earliest = float("inf")
        candidates = []
        for i in range(n):
            if mask >> i & 1:
                continue
            if invoke[i] > earliest:
                break
            candidates.append(i)
            earliest = min(earliest, complete[i])
        for i in reversed(candidates):
            if invoke[i] <= earliest:
                for nxt in model.step(state, ops[i]):
                    stack.append((mask | 1 << i, nxt))
    pending = [i for i in range(n) if not deepest_mask >> i & 1]
    stuck = min(pending, key=lambda i: (complete[i], invoke[i]))
    return LinearizabilityResult(False, ops[stuck], max(deepest, 0))
