"""Messages posted from workers to screens (``post_message`` is safe from any thread)."""

from __future__ import annotations

from textual.message import Message

from interactive.services import GradeReport

__all__ = ["GradeFailed", "GradeFinished", "ProgressChanged"]


class GradeFinished(Message):
    """A grading worker finished with a report."""

    def __init__(self, number: int, report: GradeReport) -> None:
        super().__init__()
        self.number = number
        self.report = report


class GradeFailed(Message):
    """A grading worker could not grade (the message says why and what to do)."""

    def __init__(self, number: int, error: str) -> None:
        super().__init__()
        self.number = number
        self.error = error


class ProgressChanged(Message):
    """XP or achievements changed: the dashboard should refresh, toasts may be due."""

    def __init__(self, outcome: object | None) -> None:
        super().__init__()
        self.outcome = outcome
