# fix-judgement: right
# class: other
# idiom: idempotent state: each open window keeps the SET of record offsets counted (dedupe by record id), checkpointed with compare-and-set (put if_version) so a checkpoint is never overwritten blindly (on a failed CAS the job reloads the stored state and continues); upsert of len(set)
# why: A record can only be counted once per window whatever is replayed, the checkpoint only moves forward, and the dashboard gets the exact count of a window once the watermark has passed it.
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


async def _restore(kv: Client) -> tuple[int | None, int, int | None, dict[int, set[int]]]:
    """(checkpoint version, offset, max event time, offsets counted per open window)."""
    saved = await kv.get("counter/seen")
    if saved is None:
        return None, 0, None, {}
    offset, max_time, stored = saved.value
    return saved.version, offset, max_time, {w: set(offsets) for w, offsets in stored.items()}


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Read clicks, count them per window, emit each window when the watermark passes it."""
    version, offset, max_time, seen = await _restore(kv)
    while True:
        records = await log.fetch(TOPIC, 0, offset, max_records=20)
        for record in records:
            event_time = record.value["event_time"]
            window = window_of(event_time)
            if not closed(window, max_time):
                seen.setdefault(window, set()).add(record.offset)
            max_time = event_time if max_time is None else max(max_time, event_time)
            offset = record.offset + 1
        for window in sorted(w for w in seen if closed(w, max_time)):
            await dashboard.upsert(window, len(seen.pop(window)))
        if records:
            value = (offset, max_time, {w: sorted(s) for w, s in seen.items()})
            if version is None:
                written = await kv.put("counter/seen", value, if_absent=True)
            else:
                written = await kv.put("counter/seen", value, if_version=version)
            if written is None:
                # a write from an earlier incarnation landed after our last one: never overwrite it
                # blindly; continue from it (the offset sets make re-processing its records harmless)
                node.log("checkpoint changed under us: reloading it")
                version, offset, max_time, seen = await _restore(kv)
                continue
            version = written
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
