"""Challenge 16: the dashboard that miscounted (windows, watermarks, checkpoints)."""

from __future__ import annotations

from collections import Counter

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec
from simworld import Client, Node
from simworld.apps import Dashboard
from simworld.check import SimCheck, SimViolation
from simworld.kv import KV
from simworld.log import Log
from simworld.nemesis import Nemesis
from simworld.program import SimProgram, sim_loader
from simworld.world import World

TOPIC = "clicks"
PRODUCE_MS = 5_000
HORIZON_MS = 7_000
LATENESS_MS = 300


def clicks(program: SimProgram, world: World) -> None:
    """Clicks arrive late and out of order; the counting node crashes and restarts."""
    world.network.configure(min_delay=1, max_delay=10, timeout=200)
    log, kv, dashboard = Log(world, "log", partitions=1), KV(world, "state"), Dashboard(world)
    log.quiet = log.quiet | {"publish"}
    dashboard.quiet = frozenset({"counts"})

    async def phones(node: Node, log_c: Client) -> None:
        n = 0
        while node.now < PRODUCE_MS:
            n += 1
            lateness = node.rng.randint(0, LATENESS_MS - 20)  # the log's delay adds up to 10 ms
            await log_c.publish(TOPIC, {"click": n, "event_time": max(0, node.now - lateness)})
            await node.sleep(node.rng.randint(1, 8))

    world.node("phones", phones, log)
    world.node("counter", program.main("counter"), log, kv, dashboard)
    nemesis = Nemesis(world)
    nemesis.random_crashes(
        ["counter"], count=(1, 2), downtime=(100, 300), window=(500, PRODUCE_MS - 500)
    )
    nemesis.random_pauses(
        ["counter"], count=(0, 2), duration=(100, 400), window=(500, PRODUCE_MS - 500)
    )
    nemesis.crash_after(
        lambda d: d.service is dashboard and d.op in ("add", "upsert"),
        0.5,
        (0, 5),
        (100, 300),
        why=" (it just emitted a window)",
    )
    nemesis.crash_after(
        lambda d: d.service is kv and d.op == "put",
        0.05,
        (0, 5),
        (100, 300),
        why=" (it just checkpointed)",
    )
    world.run(until=HORIZON_MS)

    records = log.topics.get(TOPIC, [[]])[0]
    truth = Counter(r.value["event_time"] // 1000 * 1000 for r in records)
    watermark = max((r.value["event_time"] for r in records), default=0) - LATENESS_MS
    for window in sorted(truth):
        shown = dashboard.windows.get(window)
        closed = window + 1000 <= watermark
        if (closed and shown != truth[window]) or (shown is not None and shown > truth[window]):
            what = (
                "double counted" if shown is not None and shown > truth[window] else "undercounted"
            )
            raise SimViolation(
                f"window [{window}, {window + 1000}) ms shows {shown} clicks but {truth[window]} "
                f"happened in it ({what})",
                f"every window that ends before the final watermark ({watermark} ms) must show its exact count",
                at=_emitted_at(world, window),
            )


def _emitted_at(world: World, window: int) -> int | None:
    times = [
        e.time for e in world.history.entries if e.actor == "dashboard" and f"({window}," in e.text
    ]
    return times[-1] if times else world.now


SPEC = ChallengeSpec(
    number=16,
    slug="stream_processing",
    title="The dashboard that miscounted",
    summary="Tumbling windows close on arrival order, drop late events and double count after restarts.",
    concepts=(
        "event time vs processing time",
        "tumbling windows",
        "watermarks",
        "late data",
        "checkpoints",
        "exactly-once effects",
    ),
    difficulty=5,
    intended=FindingKind.DISTRIBUTED,
    checks=(
        SimCheck(
            "every closed window shows its exact count, across restarts",
            clicks,
            seeds=20,
            hint="When is a window really complete, if events can be 300 ms late?",
        ),
    ),
    hints=(
        "An event of the previous second can arrive after the first event of the next one. What does "
        "the job do with it?",
        "A watermark says 'no event older than this will come': max event time seen minus the allowed "
        "lateness. Close a window only when the watermark passes its end.",
        "After a restart the job resumes from its checkpoint. Is everything it needs to continue in there, "
        "and what happens to outputs it already sent after that checkpoint?",
        "Make outputs idempotent (upsert the full count) and checkpoint the window state with the offset "
        "atomically — or checkpoint an offset from which the open windows can be rebuilt.",
    ),
    time_budget_seconds=30.0,
    program_loader=sim_loader,
)
