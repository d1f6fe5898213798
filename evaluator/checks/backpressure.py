"""BackpressureCheck: does the program buffer without bound when flooded?

``produce(program, n)`` pushes ``n`` items through the program and returns the peak number
of items it held; instrumented queues add their high-water mark from the event log. A
bounded design keeps the same peak whatever ``n``; an unbounded one buffers a large share
of the input, so its peak grows with ``n``.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from evaluator.events import EventKind, event_log
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import BackpressureCheck, CheckContext

__all__ = ["is_unbounded", "queue_high_water", "run_backpressure_check"]

_SHARE_OF_INPUT = 0.25
"""An unbounded buffer holds at least this share of the largest flood at its peak."""
_GROWTH = 2.0
"""...and at least this many times its peak at the next smaller flood (a bound above the smaller
floods shows as a peak that stops growing at the largest ones)."""


def queue_high_water(since_seq: int) -> tuple[int, str | None]:
    """The deepest any instrumented queue got after event ``since_seq``, and which queue."""
    best, name = 0, None
    for event in event_log.snapshot():
        if (
            event.seq > since_seq
            and event.kind is EventKind.QUEUE_PUT
            and (event.value or 0) > best
        ):
            best, name = event.value or 0, event.obj
    return best, name


def is_unbounded(peaks: dict[int, int]) -> bool:
    """Does the peak grow with the input size (the rule above)?"""
    sizes = sorted(peaks)
    smaller, large = sizes[-2], sizes[-1]
    return peaks[large] >= _SHARE_OF_INPUT * large and peaks[large] >= _GROWTH * max(
        1, peaks[smaller]
    )


def _last_seq() -> int:
    events = event_log.snapshot()
    return events[-1].seq if events else -1


def run_backpressure_check(
    check: BackpressureCheck, program: ModuleType, ctx: CheckContext
) -> list[Finding]:
    """Flood the program at each size; FAIL with UNBOUNDED_QUEUE when the peak grows with n."""
    peaks: dict[int, int] = {}
    lines = []
    queue_name = None
    for size in check.sizes:
        start = _last_seq()
        with event_log.recording():  # queue events are built only for someone who reads them
            reported = check.produce(program, size)
        high_water, name = queue_high_water(start)
        queue_name = queue_name or name
        peaks[size] = max(int(reported or 0), high_water)
        lines.append(
            f"flood of {size} items: at most {peaks[size]} buffered at once"
            + (f" (queue {name})" if name and high_water >= int(reported or 0) else "")
        )
    if len(peaks) < 2 or not is_unbounded(peaks):
        return []
    return [
        Finding(
            kind=FindingKind.UNBOUNDED_QUEUE,
            severity=Severity.FAIL,
            title="the buffer grows with the input: nothing slows the producer down",
            evidence=(*lines, "a bounded design keeps the same peak however many items arrive"),
            hint=check.hint
            or "Give the queue a maxsize so put() blocks (or drops/rejects) when consumers fall behind.",
            check=check.name,
            data={"peaks": {str(k): v for k, v in peaks.items()}, "queue": queue_name},
        )
    ]
