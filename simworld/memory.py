"""What a node really holds in memory, measured by the world (not reported by the program).

:func:`held` walks the objects reachable from a node's roots — the program's objects, its
module instance, ``node.memory`` and the frames of its tasks — and returns which of the
``wanted`` strings (e.g. event ids) it finds. The walk never enters the world's own objects
(nodes, clients, services, the world), code, classes or modules.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Iterable
from typing import Any

__all__ = ["held"]

_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.CodeType,
    types.MethodType,
    int,
    float,
    bool,
    bytes,
    type(None),
)


def held(
    roots: Iterable[Any], wanted: set[str], stop: tuple[type, ...], limit: int = 200_000
) -> set[str]:
    """The ``wanted`` strings reachable from ``roots`` without passing through ``stop`` types."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [r for r in roots if r is not None]
    steps = 0
    while stack and steps < limit:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        steps += 1
        if type(obj) is str:
            if obj in wanted:
                found.add(obj)
            continue
        if isinstance(obj, (_OPAQUE, stop)):
            continue
        if isinstance(obj, types.CoroutineType):
            frame = obj.cr_frame
            if frame is not None:
                stack.extend(frame.f_locals.values())
            if obj.cr_await is not None:
                stack.append(obj.cr_await)
            continue
        if isinstance(obj, types.GeneratorType):
            if obj.gi_frame is not None:
                stack.extend(obj.gi_frame.f_locals.values())
            continue
        stack.extend(gc.get_referents(obj))
    return found
