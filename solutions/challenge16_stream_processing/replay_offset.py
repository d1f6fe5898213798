"""Clicks per second — solution: watermarks, idempotent output, and a replay-offset checkpoint.

* Windows close when the watermark (max event time seen − MAX_LATENESS_MS) passes their end.
* A closed window is written with ``upsert`` (the full count), so re-emitting is harmless.
* The checkpoint holds no window state, only two numbers: the offset from which every open
  window can be rebuilt (the first record of the oldest open window) and the end of the last
  window already emitted. A restart re-reads the log from that offset, skipping windows
  already emitted, and rebuilds the same counts. The log is the state.

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


def window_of(event_time: int) -> int:
    """Start of the tumbling window holding ``event_time``."""
    return event_time // WINDOW_MS * WINDOW_MS


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Count clicks per event-time window; emit windows the watermark has passed."""
    checkpoint = await kv.get("counter/replay")
    offset, emitted_until = checkpoint.value if checkpoint is not None else (0, 0)
    counts: dict[int, int] = {}
    first_offset: dict[int, int] = {}
    max_time = 0
    while True:
        records = await log.fetch(TOPIC, 0, offset, max_records=20)
        for record in records:
            event_time = record.value["event_time"]
            window = window_of(event_time)
            max_time = max(max_time, event_time)
            offset = record.offset + 1
            if window + WINDOW_MS <= emitted_until:
                continue  # this window was emitted before (we are replaying)
            counts[window] = counts.get(window, 0) + 1
            first_offset.setdefault(window, record.offset)
        watermark = max_time - MAX_LATENESS_MS
        for window in sorted(w for w in counts if w + WINDOW_MS <= watermark):
            await dashboard.upsert(window, counts.pop(window))
            del first_offset[window]
            emitted_until = max(emitted_until, window + WINDOW_MS)
        if records:
            replay_from = min(first_offset.values(), default=offset)
            await kv.put("counter/replay", (replay_from, emitted_until))
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
