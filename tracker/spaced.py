"""Spaced repetition for the quiz: a Leitner schedule.

A correct answer moves a question one box up (asked again after a longer interval); a miss
sends it back to box 0, where it comes back after a short pause, before anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .models import QuizRecord

INTERVALS: tuple[timedelta, ...] = (
    timedelta(minutes=10),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=14),
    timedelta(days=30),
)
"""How long a question in box N rests before it is due again."""
TOP_BOX = len(INTERVALS) - 1


def next_box(box: int, correct: bool) -> int:
    return min(TOP_BOX, box + 1) if correct else 0


def due_at(record: QuizRecord) -> datetime:
    return record.last_at + INTERVALS[record.box]


def due_questions(
    question_ids: list[str], history: Mapping[str, QuizRecord], now: datetime
) -> list[str]:
    """The questions to ask now: missed ones first, then new ones, then reviews, oldest due first."""
    missed: list[tuple[datetime, str]] = []
    new: list[str] = []
    reviews: list[tuple[datetime, str]] = []
    for qid in question_ids:
        record = history.get(qid)
        if record is None:
            new.append(qid)
        elif due_at(record) <= now:
            (missed if record.box == 0 else reviews).append((due_at(record), qid))
    return [q for _, q in sorted(missed)] + new + [q for _, q in sorted(reviews)]
