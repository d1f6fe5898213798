# fix-judgement: right
# class: other
# idiom: event-time timers in a heapq of window ends, fired as the watermark advances (Flink-style); the operator state (offset, watermark, counts, pending timers) is checkpointed as one value every CHECKPOINT_EVERY records and after firing; upsert
# why: Timers fire in event-time order only when no more events of the window can arrive; because offset and counts are checkpointed together, a restart replays exactly the records after the checkpoint and a re-fired timer writes the same count.
"""Clicks per second: a streaming job that counts events in tumbling event-time windows.

Click events arrive on a log topic. Each carries the time the click happened
(``event_time``); because of mobile networks, events reach the log up to 300 ms late and
out of order. The job counts clicks per 1-second window of event time and publishes each
window's count to the dashboard. It checkpoints its position in the KV store, because the
node it runs on gets restarted now and then. Everything runs in the simulated world (see
simworld/README.md).
"""

from __future__ import annotations

import heapq
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


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Read clicks, count them per window, emit each window when the watermark passes its end."""
    saved = await kv.get("counter/operator")
    offset, watermark, counts = saved.value if saved is not None else (0, None, {})
    counts = dict(counts)
    timers = [window + WINDOW_MS for window in counts]  # window end -> fire when watermark > end
    heapq.heapify(timers)
    processed = 0

    async def checkpoint() -> None:
        await kv.put("counter/operator", (offset, watermark, dict(counts)))

    while True:
        for record in await log.fetch(TOPIC, 0, offset, max_records=20):
            event_time = record.value["event_time"]
            window = window_of(event_time)
            if watermark is None or window + WINDOW_MS >= watermark:
                if window not in counts:
                    counts[window] = 0
                    heapq.heappush(timers, window + WINDOW_MS)
                counts[window] += 1
            mark = event_time - MAX_LATENESS_MS
            watermark = mark if watermark is None else max(watermark, mark)
            offset = record.offset + 1
            processed += 1
            fired = False
            while timers and timers[0] < watermark:
                end = heapq.heappop(timers)
                await dashboard.upsert(end - WINDOW_MS, counts.pop(end - WINDOW_MS))
                fired = True
            if fired or processed % CHECKPOINT_EVERY == 0:
                await checkpoint()
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
