"""The daily challenge: picked from the calendar date and the learner's reach.

Everyone at the same stage gets the same daily on a day. A learner's reach is one star above the
hardest challenge they had passed before that day (two stars to start), so day one offers a
two-star challenge, never a four-star one. Twist and seed depend on the date alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from .course import DIFFICULTY
from .models import DailyChallenge

START_STARS = 2
"""A new learner's reach."""
DAILY_BONUS_XP = 150
TWISTS: dict[str, str] = {
    "no-hints": "pass it without taking a hint today",
    "first-try": "pass it with your first check of the day",
    "no-solution": "pass it without ever having revealed its solution",
}


def reach(passed: Iterable[int]) -> int:
    """Most stars a daily may have: one above the hardest challenge passed, at least two."""
    return max([START_STARS, *(DIFFICULTY.get(n, 0) + 1 for n in passed)])


def daily_challenge(day: date, passed: Iterable[int] = ()) -> DailyChallenge:
    """The daily of ``day`` for a learner who had passed ``passed`` before that day.

    The pool is every challenge within the learner's reach, those not passed yet first.
    """
    done = frozenset(passed)
    stars = reach(done)
    pool = [n for n in sorted(DIFFICULTY) if DIFFICULTY[n] <= stars]
    return _pick(day, tuple(n for n in pool if n not in done) or tuple(pool))


def daily_of(day: date, challenge: int) -> DailyChallenge:
    """The daily of ``day`` whose challenge is already known (twist and seed from the date)."""
    return _pick(day, (challenge,))


@lru_cache(maxsize=4096)
def _pick(day: date, pool: tuple[int, ...]) -> DailyChallenge:
    import hashlib  # here, not at the top: `learn list` and `learn progress` start faster

    digest = hashlib.sha256(f"concurrency-lab daily {day.isoformat()}".encode()).digest()
    twist = sorted(TWISTS)[digest[1] % len(TWISTS)]
    return DailyChallenge(
        day=day,
        challenge=pool[int.from_bytes(digest[6:10], "big") % len(pool)],
        twist=twist,
        twist_text=TWISTS[twist],
        seed=int.from_bytes(digest[2:6], "big"),
        bonus_xp=DAILY_BONUS_XP,
    )


def twist_satisfied(twist: str, *, hints_today: int, attempts_today: int, revealed: bool) -> bool:
    """Does a pass (the ``attempts_today``-th check of the day) meet the twist?"""
    if twist == "no-hints":
        return hints_today == 0
    if twist == "first-try":
        return attempts_today == 1
    if twist == "no-solution":
        return not revealed
    raise ValueError(f"unknown daily twist {twist!r}")
