# fix-judgement: right
# class: other
# idiom: early (speculative) firings: every poll upserts the running count of each open window (never more than the true count), the final exact count when the watermark passes; consistent state+offset checkpoint every CHECKPOINT_EVERY records
# why: Running counts only ever include events that happened, so the dashboard never overshoots; the state checkpoint keeps offset and counts together, so after a restart counts continue exactly and the closing upsert is exact.
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
    """Read clicks; show running counts per window; finalize each when the watermark passes it."""
    saved = await kv.get("counter/snapshot")
    offset, max_time, counts = saved.value if saved is not None else (0, None, {})
    counts = dict(counts)
    processed = 0
    while True:
        records = await log.fetch(TOPIC, 0, offset, max_records=20)
        for record in records:
            event_time = record.value["event_time"]
            window = window_of(event_time)
            if not closed(window, max_time):
                counts[window] = counts.get(window, 0) + 1
            max_time = event_time if max_time is None else max(max_time, event_time)
            offset = record.offset + 1
            processed += 1
            if processed % CHECKPOINT_EVERY == 0:
                await kv.put("counter/snapshot", (offset, max_time, dict(counts)))
        if records:
            for window in sorted(counts):
                await dashboard.upsert(window, counts[window])  # early firing: a lower bound
            for window in [w for w in counts if closed(w, max_time)]:
                del counts[window]  # its last upsert above was the final, exact count
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
