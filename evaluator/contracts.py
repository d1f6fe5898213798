"""Functional contracts: is what a concurrent run produced explained by *some* serial run?

A fix must keep doing the program's job. The strongest simple oracle for that is serializability:
the results every caller saw and the final state must be those of running the same operations
one at a time in some order, against a small model of the program (the differential oracle the
specs use, written from the challenge's README). A fix that skips work, applies it twice, lets
two callers pass the same check, or swallows an error produces an outcome no serial order gives.

    order = serial_explanation(start, ops, observed, final, step)
    expect(order is not None, "no serial order of the transfers explains this run", *describe(...))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

__all__ = ["outcome_of", "serial_explanation", "unexplained_evidence"]

State = TypeVar("State")
Op = TypeVar("Op")

MAX_OPERATIONS = 7
"""Permutations are tried exhaustively: 7! = 5,040 orders at most."""


def outcome_of(call: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", value)`` or ``("raised", ExceptionName)`` for one call (BaseException propagates)."""
    try:
        return ("ok", call())
    except Exception as error:  # the outcome itself is what the contract compares
        return ("raised", type(error).__name__)


def serial_explanation(
    start: State,
    ops: Sequence[Op],
    observed: Sequence[Hashable],
    final: object,
    step: Callable[[State, Op], tuple[State, Hashable]],
    summary: Callable[[State], object] | None = None,
) -> tuple[int, ...] | None:
    """The first order of ``ops`` whose serial run gives every ``observed`` result and ``final``.

    Args:
        start: the model's state before any operation.
        ops: the operations the scenario ran concurrently.
        observed: what each operation's caller saw (same index as ``ops``).
        final: the program's state afterwards, as ``summary`` would print the model's.
        step: the model: ``(state, op) -> (next state, result the caller should see)``.
        summary: turns a model state into the comparable form of ``final``.
    """
    if len(ops) > MAX_OPERATIONS:
        raise ValueError(f"at most {MAX_OPERATIONS} operations can be checked for a serial order")
    for order in itertools.permutations(range(len(ops))):
        state = start
        for index in order:
            state, result = step(state, ops[index])
            if result != observed[index]:
                break
        else:
            if (state if summary is None else summary(state)) == final:
                return order
    return None


def unexplained_evidence(
    ops: Sequence[Any], observed: Sequence[Any], final: Any, label: Callable[[Any], str] = str
) -> list[str]:
    """Evidence lines for a run no serial order explains: each call and what it returned."""
    lines = [f"{label(op)} -> {_shown(result)}" for op, result in zip(ops, observed, strict=True)]
    lines.append(f"final state: {final}")
    return lines


def _shown(result: Any) -> str:
    if isinstance(result, tuple) and len(result) == 2 and result[0] == "raised":
        return f"raised {result[1]}"
    if isinstance(result, tuple) and len(result) == 2 and result[0] == "ok":
        return "returned" if result[1] is None else f"returned {result[1]!r}"
    return repr(result)
