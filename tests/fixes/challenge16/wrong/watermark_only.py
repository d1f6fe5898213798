# fix-judgement: wrong
# class: partial
# breaks: no window ever shows more clicks than happened, across restarts; exact counts after a restart
# scenario: Closes windows by watermark (fixing late events) but still checkpoints only the offset every 10 records and writes with dashboard.add. Crash at t=2831 after add(2000, 68) but before the next offset checkpoint: the restarted job replays from offset 170 and adds window 2000's events again (too high); events counted in memory for the open window before offset 170 are lost (too low).
# why: Fixes the out-of-order bug but neither the non-idempotent add nor the state/offset mismatch on restart.
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
    processed = 0
    while True:
        for record in await log.fetch(TOPIC, 0, offset, max_records=20):
            event_time = record.value["event_time"]
            counts[window_of(event_time)] = counts.get(window_of(event_time), 0) + 1
            max_time = event_time if max_time is None else max(max_time, event_time)
            for window in sorted(w for w in counts if closed(w, max_time)):
                await dashboard.add(window, counts.pop(window))
            offset = record.offset + 1
            processed += 1
            if processed % CHECKPOINT_EVERY == 0:
                await kv.put("counter/offset", offset)
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
