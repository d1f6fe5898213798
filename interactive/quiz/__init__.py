"""The quiz: question banks (TOML), spaced-repetition selection and scoring (no UI here)."""

from __future__ import annotations

from interactive.quiz.bank import DATA_DIR, QuizDataError, load_bank, load_file
from interactive.quiz.model import TOPICS, Question, QuestionKind
from interactive.quiz.progress import (
    MemoryProgress,
    QuizOutcome,
    QuizProgress,
    TrackerProgress,
    default_progress,
)
from interactive.quiz.session import AnswerResult, QuizSession, select_questions

__all__ = [
    "DATA_DIR",
    "TOPICS",
    "AnswerResult",
    "MemoryProgress",
    "Question",
    "QuestionKind",
    "QuizDataError",
    "QuizOutcome",
    "QuizProgress",
    "QuizSession",
    "TrackerProgress",
    "default_progress",
    "load_bank",
    "load_file",
    "select_questions",
]
