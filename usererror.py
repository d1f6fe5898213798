"""The one exception type that means "the learner asked for something we cannot do".

Every package raises :class:`UserError` with a one-line message that states the rule
that was broken and what to do next. ``cli.py`` renders it as a red panel on stderr
and exits with code 2 — never a traceback.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A clear, actionable error caused by the learner's input or environment."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
