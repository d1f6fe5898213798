"""The daily challenge: picked from the calendar date alone, so everyone gets the same one."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache

from .models import DailyChallenge

CHALLENGE_COUNT = 16
"""The product's challenges; the daily never depends on which are installed locally."""
DAILY_BONUS_XP = 150
TWISTS: dict[str, str] = {
    "no-hints": "pass it without taking a hint today",
    "first-try": "pass it with your first check of the day",
    "no-solution": "pass it without ever having revealed its solution",
}


@lru_cache(maxsize=4096)
def daily_challenge(day: date) -> DailyChallenge:
    """The challenge, twist and seed set of ``day``."""
    digest = hashlib.sha256(f"concurrency-lab daily {day.isoformat()}".encode()).digest()
    twist = sorted(TWISTS)[digest[1] % len(TWISTS)]
    return DailyChallenge(
        day=day,
        challenge=1 + int.from_bytes(digest[:1], "big") * CHALLENGE_COUNT // 256,
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
