# fix-judgement: wrong
# class: sleep-hides-race
# breaks: every passed window shows exactly its number of clicks
# scenario: When the first click of a newer window is read it sleeps MAX_LATENESS_MS (300 virtual ms) 'so late clicks can arrive' and then emits the current window. The late clicks do arrive in the log during the sleep, but they come after the current fetch position and are read in a later batch, where window < current drops them; the sleep only slows the job down.
# why: Waiting in processing time does not make the code look at the late events; only keeping the window open by event-time watermark does.
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


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Read clicks, count them per window, emit each window when the next one starts."""
    checkpoint = await kv.get("counter/offset")
    offset = checkpoint.value if checkpoint is not None else 0
    counts: dict[int, int] = {}
    current: int | None = None
    processed = 0
    while True:
        for record in await log.fetch(TOPIC, 0, offset, max_records=20):
            window = window_of(record.value["event_time"])
            if current is None:
                current = window
            if window > current:  # a newer window started: give stragglers time, then emit
                await node.sleep(MAX_LATENESS_MS)
                await dashboard.add(current, counts.pop(current, 0))
                current = window
            if window == current:
                counts[window] = counts.get(window, 0) + 1
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
