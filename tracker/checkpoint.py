"""Fold checkpoints: a saved :class:`Tally` so reads replay only the events recorded since.

A checkpoint is a cache, never a source of truth: it stores the fold's state after event
``upto`` together with the rules version that produced it. A checkpoint from other rules, or
one that cannot be parsed, is ignored and the log is replayed from the start. The ledger check
(:func:`tracker.verify_ledger`) always replays everything.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from .history import ChallengeState, Tally
from .models import QuizRecord

RULES_VERSION = 2
"""Bump whenever XP, achievement or fold rules change: old checkpoints then stop being used."""
CHECKPOINT_EVERY = 200
"""A write saves a fresh checkpoint once this many events lie beyond the last one."""


def dumps(history: Tally) -> str:
    state = {
        "rules": RULES_VERSION,
        "xp": history.xp,
        "attempts": history.attempts,
        "challenges": {
            str(n): [getattr(s, f.name) for f in fields(s)] for n, s in history.challenges.items()
        },
        "no_hint_run": history.no_hint_run,
        "best_no_hint_run": history.best_no_hint_run,
        "first_try_passes": history.first_try_passes,
        "beat_reference": history.beat_reference,
        "comeback": history.comeback,
        "mastered_classes": sorted(history.mastered_classes),
        "examples": sorted(history.examples),
        "practical_modules": sorted(history.practical_modules),
        "practical_runs": sorted(history.practical_runs),
        "quiz": {
            q: [r.attempts, r.correct, r.last_correct, r.last_at.isoformat(), r.box]
            for q, r in history.quiz.items()
        },
        "quiz_correct": sorted(history.quiz_correct),
        "active_days": sorted(d.isoformat() for d in history.active_days),
        "daily_days": sorted(d.isoformat() for d in history.daily_days),
        "daily_picks": {d.isoformat(): n for d, n in history.daily_picks.items()},
        "today": [[c, d.isoformat(), *counts] for (c, d), counts in history._today.items()],
    }
    return json.dumps(state, separators=(",", ":"))


def loads(text: str) -> Tally | None:
    """The saved fold, or None when it is from other rules or unreadable."""
    try:
        state: dict[str, Any] = json.loads(text)
        if state.get("rules") != RULES_VERSION:
            return None
        return Tally(
            xp=state["xp"],
            attempts=state["attempts"],
            challenges={
                int(n): ChallengeState(*values) for n, values in state["challenges"].items()
            },
            no_hint_run=state["no_hint_run"],
            best_no_hint_run=state["best_no_hint_run"],
            first_try_passes=state["first_try_passes"],
            beat_reference=state["beat_reference"],
            comeback=state["comeback"],
            mastered_classes=set(state["mastered_classes"]),
            examples=set(state["examples"]),
            practical_modules=set(state["practical_modules"]),
            practical_runs=set(state["practical_runs"]),
            quiz={
                q: QuizRecord(q, a, c, last, datetime.fromisoformat(at), box)
                for q, (a, c, last, at, box) in state["quiz"].items()
            },
            quiz_correct=set(state["quiz_correct"]),
            active_days={date.fromisoformat(d) for d in state["active_days"]},
            daily_days={date.fromisoformat(d) for d in state["daily_days"]},
            daily_picks={date.fromisoformat(d): int(n) for d, n in state["daily_picks"].items()},
            _today={(c, date.fromisoformat(d)): [h, a] for c, d, h, a in state["today"]},
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
