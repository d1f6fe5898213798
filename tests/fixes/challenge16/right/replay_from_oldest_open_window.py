# fix-judgement: right
# class: other
# idiom: offset-only recovery: the checkpoint stores where to replay from (the first offset of the oldest still-open window) and below which windows are already closed; state is rebuilt by replaying the log; upsert makes re-emission harmless
# why: Every record of every open window is at or after the replay point, so the rebuilt counts are exact; events of windows already emitted are skipped, and emitting a window again after a crash writes the same exact count.
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
    checkpoint = await kv.get("counter/replay")
    offset, closed_below = checkpoint.value if checkpoint is not None else (0, None)
    counts: dict[int, int] = {}
    first_offset: dict[int, int] = {}
    """Offset of the first record of each open window: replaying from the smallest rebuilds all."""
    max_time: int | None = None
    processed = 0
    while True:
        for record in await log.fetch(TOPIC, 0, offset, max_records=20):
            event_time = record.value["event_time"]
            window = window_of(event_time)
            max_time = event_time if max_time is None else max(max_time, event_time)
            offset = record.offset + 1
            processed += 1
            if closed_below is not None and window < closed_below:
                continue  # emitted before a restart: its count is already on the dashboard
            counts[window] = counts.get(window, 0) + 1
            first_offset.setdefault(window, record.offset)
            for done in sorted(w for w in counts if closed(w, max_time)):
                await dashboard.upsert(done, counts.pop(done))
                del first_offset[done]
                closed_below = max(closed_below or 0, done + WINDOW_MS)
            if processed % CHECKPOINT_EVERY == 0:
                replay_from = min(first_offset.values(), default=offset)
                await kv.put("counter/replay", (replay_from, closed_below))
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
