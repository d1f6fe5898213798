# fix-judgement: right
# class: other
# idiom: event-time watermark (max event time - allowed lateness) closes windows; the checkpoint is ONE KV value holding offset, open-window counts and max event time (state and position can never disagree); finished windows are written with the idempotent upsert
# why: A window is emitted only when none of its events can still arrive, with the exact count; after a crash the job resumes from a state consistent with its offset, so re-emitting a window writes the same count again instead of adding it.
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
    saved = await kv.get("counter/state")
    state = saved.value if saved is not None else {"offset": 0, "max_time": None, "counts": {}}
    offset: int = state["offset"]
    max_time: int | None = state["max_time"]
    counts: dict[int, int] = dict(state["counts"])
    while True:
        records = await log.fetch(TOPIC, 0, offset, max_records=20)
        for record in records:
            event_time = record.value["event_time"]
            window = window_of(event_time)
            if not closed(window, max_time):  # (a later event would break the lateness bound)
                counts[window] = counts.get(window, 0) + 1
            max_time = event_time if max_time is None else max(max_time, event_time)
            offset = record.offset + 1
        for window in sorted(w for w in counts if closed(w, max_time)):
            await dashboard.upsert(window, counts[window])
            del counts[window]
        if records:
            await kv.put("counter/state", {"offset": offset, "max_time": max_time, "counts": counts})
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
