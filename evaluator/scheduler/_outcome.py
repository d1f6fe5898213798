"""How one schedule of a scenario ended (:attr:`ScheduleRun.outcome`)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["RunOutcome"]


class RunOutcome(StrEnum):
    """How one run under the controlled scheduler ended. A ``StrEnum``: the values are what
    the check's ``data["outcomes"]`` counts and what ``learn check --json`` shows."""

    DONE = "done"
    """The scenario returned and every thread it started finished."""
    DEADLOCK = "deadlock"
    """Every managed thread was blocked and no timed wait could move the virtual clock."""
    LEFTOVER = "leftover"
    """The scenario finished but threads were left blocked forever (or only daemon threads
    remained): the program would exit now; the leftover threads are abandoned, not a deadlock."""
    STEP_LIMIT = "step-limit"
    """The run reached its step limit (a livelock or a very long scenario): cut short."""
    STUCK = "stuck"
    """A managed thread blocked in something the scheduler does not control (a real lock, a
    C call) and no step was taken for the watchdog's time: aborted from outside, cut short."""
