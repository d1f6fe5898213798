"""Where learner code called an instrumented operation: captured cheaply, formatted when read.

Every instrumented lock operation under the scheduler records a call site, and almost none is
ever shown: only a finding, a deadlock snapshot or a visualizer reads one. So the capture keeps
what the frame offers for free (its code object and current line) and the ``file.py:LINE`` text
is built on ``str()``. Consumers that need plain text (a finding's ``location``) use :func:`text`.
"""

from __future__ import annotations

import os
from types import CodeType

__all__ = ["CallSite", "text"]

_basenames: dict[str, str] = {}


class CallSite:
    """A line of a code object; ``str()`` gives ``file.py:LINE``."""

    __slots__ = ("code", "line")

    def __init__(self, code: CodeType, line: int | None) -> None:
        self.code = code
        self.line = line
        """The line when captured (a frame's own line moves on as it runs, so it is copied)."""

    def __str__(self) -> str:
        filename = self.code.co_filename
        name = _basenames.get(filename)
        if name is None:
            name = _basenames[filename] = os.path.basename(filename)
        return f"{name}:{self.line}"

    def __repr__(self) -> str:
        return f"CallSite({self})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CallSite):
            return self.line == other.line and self.code.co_filename == other.code.co_filename
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.code.co_filename, self.line))


def text(site: CallSite | str | None) -> str | None:
    """``file.py:LINE`` for a call site kept lazily or already formatted; None stays None."""
    return None if site is None else str(site)
