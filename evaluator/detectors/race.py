"""Race evidence: the interleaving that broke a property, shortened to the steps that matter.

The scheduler records every read and write of shared state in the learner's file with its
value. Only memory locations that two threads touched and someone wrote are kept; a long run is
cut down to the context around each thread switch, and a write based on a stale read (another
thread wrote in between) is marked as a lost update.
"""

from __future__ import annotations

from collections.abc import Sequence

from evaluator.scheduler._controller import Step

__all__ = ["interleaving_evidence", "lost_increments", "lost_updates", "switch_evidence"]


def _relevant(steps: Sequence[Step]) -> list[Step]:
    """Accesses to locations that two threads touched and one wrote once threads were running.

    The scenario thread's set-up (before any other thread ran) does not count, except that the
    last set-up write of a kept location is shown as its initial value.
    """
    start = next((i for i, s in enumerate(steps) if s.tid != 0), len(steps))
    touched: dict[tuple[int, str], set[int]] = {}
    written: set[tuple[int, str]] = set()
    for step in steps[start:]:
        touched.setdefault(step.key, set()).add(step.tid)
        if step.action == "write":
            written.add(step.key)
    keys = {key for key, tids in touched.items() if len(tids) > 1 and key in written}
    setup: dict[tuple[int, str], Step] = {
        s.key: s for s in steps[:start] if s.key in keys and s.action == "write"
    }
    return [*setup.values(), *(s for s in steps[start:] if s.key in keys)]


def lost_updates(steps: Sequence[Step]) -> dict[int, str]:
    """Index of each write made from a stale read → the thread whose update it overwrites."""
    lost: dict[int, str] = {}
    last_read: dict[tuple[int, tuple[int, str]], int] = {}
    for i, step in enumerate(steps):
        mine = (step.tid, step.key)
        if step.action == "read":
            last_read[mine] = i
            continue
        j = last_read.pop(mine, None)
        if j is None:
            continue
        for between in steps[j + 1 : i]:
            if between.key == step.key and between.action == "write" and between.tid != step.tid:
                lost[i] = between.thread
    return lost


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def lost_increments(steps: Sequence[Step]) -> list[str]:
    """Counter updates that were lost in this run: two threads read the same number from one
    location and each wrote it back changed by the same amount, so one change vanished
    (``n += 1`` from two threads giving n + 1). Unlike a re-computed cache entry, this is never
    benign: the count is wrong. Returns a line of evidence per lost update."""
    found: list[str] = []
    last_read: dict[tuple[int, tuple[int, str]], Step] = {}
    last_write: dict[
        tuple[int, str], tuple[Step, Step]
    ] = {}  # key -> (read, write) of the latest writer
    for step in steps:
        mine = (step.tid, step.key)
        if step.action == "read":
            last_read[mine] = step
            continue
        read = last_read.pop(mine, None)
        before, after = (_number(read.value) if read else None), _number(step.value)
        previous = last_write.get(step.key)
        if (
            read is not None
            and before is not None
            and after is not None
            and after != before
            and previous
        ):
            other_read, other_write = previous
            other_before, other_after = _number(other_read.value), _number(other_write.value)
            if other_write.tid != step.tid and other_before == before and other_after == after:
                found.append(
                    f"{other_write.thread} and {step.thread} both read {step.expr} = {read.value} "
                    f"and both wrote {step.value} (at {step.location}): one of the two changes was lost"
                )
        if read is not None:
            last_write[step.key] = (read, step)
    return found


def _line(step: Step) -> str:
    value = f" = {step.value}" if step.value is not None else ""
    if step.action == "write":
        return f"{step.thread} writes {step.expr}{value} at {step.location}"
    return f"{step.thread} reads {step.expr}{value} at {step.location}"


def interleaving_evidence(steps: Sequence[Step], max_lines: int = 14) -> list[str]:
    """Numbered lines: which thread read/wrote what, in order, with lost updates called out."""
    relevant = _relevant(steps)
    if not relevant:
        return []
    lost = lost_updates(relevant)
    keep = set(range(len(relevant)))
    if len(relevant) > max_lines:
        keep = set(lost)
        for i in range(1, len(relevant)):
            if relevant[i].tid != relevant[i - 1].tid:
                keep.update(range(max(0, i - 2), min(len(relevant), i + 2)))
        if len(keep) > max_lines:
            anchor = min(lost) if lost else min(keep)
            ordered = sorted(keep, key=lambda i: (abs(i - anchor), i))
            keep = set(ordered[:max_lines])
    lines = []
    previous = -1
    for i in sorted(keep):
        if previous >= 0 and i != previous + 1:
            lines.append("  …")
        text = _line(relevant[i])
        if i in lost:
            text += f" — {lost[i]}'s update is lost"
        lines.append(text)
        previous = i
    return lines


def switch_evidence(
    switches: Sequence[tuple[str, int | None, str]], program_name: str, max_lines: int = 10
) -> list[str]:
    """When no shared access was recorded: who ran up to which line before the next took over."""
    lines = [
        f"{source} ran up to {program_name}:{line}, then {target} ran"
        for source, line, target in switches
        if line is not None
    ]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines // 2], "  …", *lines[-(max_lines // 2) :]]
    return lines
