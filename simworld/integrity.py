"""Did the learner's code patch the world, the checker or the grader? (a catch-all for escapes)

:func:`fingerprint` records the identity of every name in the trusted modules (the sim, the
challenge specs, the grader) and in their classes; :func:`changed_since` lists what was
replaced, deleted or added since. The first call is the baseline, taken before any learner
code runs (the spec's import, or the guarded loader).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["changed_since", "fingerprint"]

_TRUSTED = (
    "simworld",
    "challenges.challenge",
    "evaluator.spec",
    "evaluator.findings",
    "evaluator.harness",
)
Print = dict[tuple[str, ...], int]
_baseline: Print | None = None
_originals: dict[tuple[str, ...], Any] = {}
"""The trusted objects themselves, to put back what a program replaced."""


def _trusted(name: str) -> bool:
    return any(
        name == p or name.startswith(p + ".") or (p.endswith("challenge") and name.startswith(p))
        for p in _TRUSTED
    )


def _snapshot() -> Print:
    seen: Print = {}
    for name, module in list(sys.modules.items()):
        if module is None or not _trusted(name) or name == __name__:
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("__"):
                continue
            seen[(name, attr)] = id(value)
            _originals.setdefault((name, attr), value)
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                for cattr, cvalue in list(vars(value).items()):
                    if cattr not in (
                        "__dict__",
                        "__weakref__",
                        "__doc__",
                        "__abstractmethods__",
                        "_abc_impl",
                    ):
                        seen[(name, attr, cattr)] = id(cvalue)
                        _originals.setdefault((name, attr, cattr), cvalue)
    return seen


def fingerprint() -> Print:
    """The current fingerprint (and the baseline, the first time)."""
    global _baseline
    now = _snapshot()
    if _baseline is None:
        _baseline = now
    else:  # modules imported since the baseline join it
        known = {key[0] for key in _baseline}
        for key, value in now.items():
            if key[0] not in known:
                _baseline[key] = value
    return now


def changed_since(before: Print) -> list[str]:
    """What differs from ``before`` in the modules both know (``patches X.y``)."""
    after = _snapshot()
    changed: list[str] = []
    modules = {key[0] for key in before}
    for key, value in before.items():
        if after.get(key) != value:
            changed.append(f"patches {'.'.join(key)} (the world, the checker or the grader)")
            _restore(key)
    for key in after.keys() - before.keys():
        if key[0] in modules and len(key) == 3:
            changed.append(f"adds {'.'.join(key)} (shared state on a class of the world)")
            _restore(key)
    return changed[:5]


def _restore(key: tuple[str, ...]) -> None:
    """Undo a patch so the grader's process stays sound for the next run."""
    module = sys.modules.get(key[0])
    owner: Any = module if len(key) == 2 else getattr(module, key[1], None)
    if owner is None:
        return
    try:
        if key in _originals:
            setattr(owner, key[-1], _originals[key])
        else:
            delattr(owner, key[-1])
    except (AttributeError, TypeError):
        pass
