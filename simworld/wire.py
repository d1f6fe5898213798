"""What crosses the network: copies of data, never references (separate machines share no RAM).

Every request's arguments and every reply are copied as if serialized, so a node can never
hand another node (or a service) an object both can then change. Functions, coroutines,
nodes, clients and other live objects cannot be sent: trying is an escape from the world.
"""

from __future__ import annotations

import copy
import dataclasses
import types
from typing import Any, cast

__all__ = ["wire"]

_ATOMS = (int, float, str, bool, bytes, type(None), complex)
_LIVE = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.CoroutineType,
    types.GeneratorType,
    types.AsyncGeneratorType,
    types.ModuleType,
    type,
    types.FrameType,
)


def wire(value: Any) -> Any:
    """A copy of ``value`` as the receiving side would decode it."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple:
        if all(type(v) in _ATOMS for v in value):
            return value
        return tuple(wire(v) for v in value)
    copier = _COPIERS.get(kind)
    if copier is not None:
        return copier(value)
    if kind is list:
        return [wire(v) for v in value]
    if kind is dict:
        if all(type(v) in _ATOMS for v in value.values()):
            return dict(value)
        return {wire(k): wire(v) for k, v in value.items()}
    if kind is set:
        return {wire(v) for v in value}
    if kind is frozenset:
        return frozenset(wire(v) for v in value)
    if isinstance(value, _LIVE) or (
        (getattr(kind, "__module__", "") or "").startswith("simworld")
        and not dataclasses.is_dataclass(value)
    ):
        from simworld.guard import outside

        raise outside(
            f"sends a {kind.__name__} over the network (only data can travel between machines)"
        )
    if dataclasses.is_dataclass(value) and kind.__dataclass_params__.frozen:
        fields = {f.name: wire(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(cast(Any, value), **fields)
    return copy.deepcopy(value)


def _record(record: Any) -> Any:
    value = record.value
    if type(value) in _ATOMS:
        return record
    return type(record)(
        record.topic, record.partition, record.offset, record.key, wire(value), record.time
    )


def _item(item: Any) -> Any:
    value = item.value
    return item if type(value) in _ATOMS else type(item)(wire(value), item.version, item.expires_at)


def _register() -> None:
    from simworld.kv import Item
    from simworld.log import Record

    _COPIERS[Record] = _record
    _COPIERS[Item] = _item


_COPIERS: dict[type, Any] = {}
