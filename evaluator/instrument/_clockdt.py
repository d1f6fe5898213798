"""Instrumented ``datetime.datetime.now``/``utcnow``/``today``: read the (virtual) wall clock.

``datetime.datetime`` is a C type whose methods cannot be patched, so ``install()`` puts a
subclass in the ``datetime`` module whose clock constructors read ``time.time()`` (which the
instrumentation virtualizes). Modules imported afterwards (``from datetime import datetime``
or ``datetime.datetime.now()``) read the same clock as everything else; values stay
ordinary ``datetime`` instances for every other purpose.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["install", "uninstall"]

_real_datetime = _dt.datetime


class datetime(_real_datetime):
    """``datetime.datetime`` whose clock reads go through the instrumented ``time.time``."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        from evaluator.instrument import _time

        return _real_datetime.fromtimestamp(_time.time(), tz)

    @classmethod
    def utcnow(cls) -> Any:
        from evaluator.instrument import _time

        return _real_datetime.fromtimestamp(_time.time(), _dt.UTC).replace(tzinfo=None)

    @classmethod
    def today(cls) -> Any:
        return cls.now()


def install() -> None:
    _dt.datetime = datetime  # type: ignore[misc]


def uninstall() -> None:
    _dt.datetime = _real_datetime  # type: ignore[misc]
