# fix-judgement: wrong
# class: escape
# breaks: crash recovery must use what the job stored in a service (the node's memory is lost on a crash)
# scenario: Keeps offset, counts and max event time in a module-level dict _STATE instead of the KV store: a simulated crash wipes node.memory but not module globals, so the 'restarted' job continues exactly where it was and the restart looks free. On a real restart (new process) everything is lost and the job restarts from offset 0 adding every window again; it also leaks state between runs of the same process.
# why: Module-level variables survive the simulated crash only because every node lives in one Python process.
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
_STATE: dict[str, object] = {}
"""Job state that survives restarts."""


def window_of(event_time: int) -> int:
    """Start of the tumbling window holding ``event_time``."""
    return event_time // WINDOW_MS * WINDOW_MS


def closed(window: int, max_event_time: int | None) -> bool:
    """True once no event of ``window`` can still arrive: it ends more than MAX_LATENESS_MS
    before the latest event time seen (events are at most that late)."""
    return max_event_time is not None and window + WINDOW_MS + MAX_LATENESS_MS < max_event_time


async def counter(node: Node, log: Client, kv: Client, dashboard: Client) -> None:
    """Read clicks, count them per window, emit each window when the watermark passes it."""
    counts: dict[int, int] = _STATE.setdefault("counts", {})  # type: ignore[assignment]
    while True:
        records = await log.fetch(TOPIC, 0, int(_STATE.get("offset", 0)), max_records=20)  # type: ignore[call-overload]
        for record in records:
            event_time = record.value["event_time"]
            counts[window_of(event_time)] = counts.get(window_of(event_time), 0) + 1
            previous = _STATE.get("max_time")
            _STATE["max_time"] = event_time if previous is None else max(int(previous), event_time)  # type: ignore[call-overload]
            _STATE["offset"] = record.offset + 1
        for window in sorted(w for w in counts if closed(w, _STATE.get("max_time"))):  # type: ignore[arg-type]
            await dashboard.add(window, counts.pop(window))
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(16, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
