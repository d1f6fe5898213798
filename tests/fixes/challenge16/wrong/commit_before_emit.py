# fix-judgement: wrong
# class: drops-work
# breaks: every passed window shows exactly its count across restarts
# scenario: Watermark closing with dashboard.add, and the learner avoids duplicates by checkpointing the offset BEFORE the dashboard write (at-most-once). A crash between kv.put and dashboard.add (or any crash while a window is open, since its counts are not saved) loses that window's clicks: undercounted forever.
# why: Moving the commit before the side effect trades duplicates for losses; neither is exact.
"""Clicks per second: a streaming job that counts events in tumbling event-time windows.

Click events arrive on a log topic. Each carries the time the click happened
(``event_time``); because of mobile networks, events reach the log up to 300 ms late and
out of order. The job counts clicks per 1-second window of event time and publishes each
window's count to the dashboard. It checkpoints its position in the KV store, because the
node it runs on gets restarted now and then. Everything runs in the simulated world (see
simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node

TOPIC = "clicks"
WINDOW_MS = 1_000
MAX_LATENESS_MS = 300
"""Events reach the log at most this long after their event time."""
POLL_MS = 20
CHECKPOINT_EVERY = 10


def window_of(event_time: int) -> int:
    """Start of the tumbling window holding ``event_time``."""
    return event_time // WINDOW_MS * WINDOW_MS


def closed(window: int, max_event_time: int | None) -> bool:
    """True once no event of ``window`` can still arrive: it ends more than MAX_LATENESS_MS
    before the latest event time seen (events are at most that late)."""
    return max_event_time is not None and window + WINDOW_MS + MAX_LATENESS_MS < max_event_time


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Read clicks, count them per window, emit each window when the watermark passes it."""
    checkpoint = await kv.get("counter/offset")
    offset = checkpoint.value if checkpoint is not None else 0
    counts: dict[int, int] = {}
    max_time: int | None = None
    while True:
        records = await log.fetch(TOPIC, 0, offset, max_records=20)
        for record in records:
            event_time = record.value["event_time"]
            counts[window_of(event_time)] = counts.get(window_of(event_time), 0) + 1
            max_time = event_time if max_time is None else max(max_time, event_time)
            offset = record.offset + 1
        ready = sorted(w for w in counts if closed(w, max_time))
        if records:
            await kv.put("counter/offset", offset)  # commit first: never count a record twice
        for window in ready:
            await dashboard.add(window, counts.pop(window))
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
