"""XP rules: how much one verified event is worth. Pure functions of what happened before it.

XP is never stored as a free number: it is re-derived by folding the event log
(:class:`tracker.history.Tally`), so it cannot drift from the attempts that earned it.
"""

from __future__ import annotations

CHALLENGE_XP_PER_DIFFICULTY = 100
"""A first pass is worth this many XP per difficulty star (1-5)."""
NO_HINT_BONUS = 0.25
FIRST_TRY_BONUS = 0.25
BEAT_REFERENCE_BONUS = 0.20
"""For a performance ratio below 1.0: faster than the reference solution."""
HINT_PENALTY = 0.10
"""Each hint taken before the first pass removes this share of the base XP..."""
MAX_HINT_PENALTY = 0.50
"""...up to this share."""
REVEALED_SHARE = 0.25
"""Passing after revealing a solution earns this share of the base XP and no bonus."""
MIN_PASS_XP = 10

EXAMPLE_XP = 20
"""First run of each lesson."""
QUIZ_XP = 10
"""First correct answer to each quiz question."""
PRACTICAL_XP = 30
"""First run of each practical module (and pattern)."""
BEATS_REFERENCE_RATIO = 0.9
"""Your time / the reference's, measured in the same grading, at or below which you beat it:
at least 10% faster, because smaller differences are within the machine's noise."""


def beats_reference(performance_ratio: float | None) -> bool:
    """Did the pass run measurably faster than the reference solution?"""
    return performance_ratio is not None and performance_ratio <= BEATS_REFERENCE_RATIO


def challenge_pass_xp(
    *,
    difficulty: int,
    hints: int,
    revealed: bool,
    first_try: bool,
    performance_ratio: float | None,
) -> int:
    """XP for the first pass of a challenge, given what happened before it."""
    base = CHALLENGE_XP_PER_DIFFICULTY * max(1, min(5, difficulty))
    if revealed:
        return max(MIN_PASS_XP, round(base * REVEALED_SHARE))
    share = 1.0 - min(MAX_HINT_PENALTY, HINT_PENALTY * hints)
    if hints == 0:
        share += NO_HINT_BONUS
    if first_try:
        share += FIRST_TRY_BONUS
    if beats_reference(performance_ratio):
        share += BEAT_REFERENCE_BONUS
    return max(MIN_PASS_XP, round(base * share))
