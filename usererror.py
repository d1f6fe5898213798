"""The one exception type that means "the learner asked for something we cannot do".

Every package raises :class:`UserError` with a one-line message that states the rule
that was broken and what to do next. ``cli.py`` renders it as a red panel on stderr
and exits with code 2 — never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code `learn` uses, by name."""

    OK = 0
    FAILED = 1
    """The learner's program did not pass (`learn check`), or they declined a confirmation."""
    USAGE = 2
    """A :class:`UserError`: the learner asked for something we cannot do."""
    GRADER_ERROR = 3
    """The grader itself failed: not the learner's fault, nothing recorded."""
    INTERRUPTED = 130
    """Ctrl-C."""


__all__ = ["ExitCode", "UserError"]


class UserError(Exception):
    """A clear, actionable error caused by the learner's input or environment."""

    exit_code: int = ExitCode.USAGE

    def __init__(self, message: str, *, exit_code: int = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
