"""tracker: progress, XP, levels, achievements, streaks, the daily challenge and the leaderboard.

Progress is an append-only event log (every `learn check`, hint, revealed solution, lesson,
quiz answer and practical run) in SQLite (WAL, under ``LEARN_HOME``) or a shared PostgreSQL
(``LEARN_DATABASE_URL``). XP, levels and achievements are folds over that log, so they can
always be recomputed and cannot drift. The active profile is implicit in every call.
Pure core: no Textual; rendering lives in :mod:`tracker.render`.
"""

from __future__ import annotations

from ._service import (
    challenge_status,
    challenge_statuses,
    daily_challenge,
    due_questions,
    example_status,
    example_statuses,
    has_passed,
    hints_taken,
    leaderboard,
    progress_snapshot,
    quiz_history,
    record_attempt,
    record_example_run,
    record_hint,
    record_practical_run,
    record_quiz_answer,
    record_solution_reveal,
    verify_ledger,
)
from .achievements import ACHIEVEMENTS
from .exchange import export_progress, import_progress
from .levels import LEVELS
from .models import (
    Achievement,
    AttemptOutcome,
    ChallengeProgress,
    DailyChallenge,
    LeaderboardRow,
    Level,
    ProgressSnapshot,
    QuizRecord,
    UnlockedAchievement,
)
from .profiles import ProfileInfo, create_profile, list_profiles, switch_profile
from .repair import repair_progress

__all__ = [
    "ACHIEVEMENTS",
    "LEVELS",
    "Achievement",
    "AttemptOutcome",
    "ChallengeProgress",
    "DailyChallenge",
    "LeaderboardRow",
    "Level",
    "ProfileInfo",
    "ProgressSnapshot",
    "QuizRecord",
    "UnlockedAchievement",
    "challenge_status",
    "challenge_statuses",
    "create_profile",
    "daily_challenge",
    "due_questions",
    "example_status",
    "example_statuses",
    "export_progress",
    "has_passed",
    "hints_taken",
    "import_progress",
    "leaderboard",
    "list_profiles",
    "progress_snapshot",
    "quiz_history",
    "record_attempt",
    "record_example_run",
    "record_hint",
    "record_practical_run",
    "record_quiz_answer",
    "record_solution_reveal",
    "repair_progress",
    "switch_profile",
    "verify_ledger",
]
