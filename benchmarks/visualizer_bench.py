"""Visualizer throughput: event ingestion rate (decode + fold) and frames per second with 64
threads, 64 asyncio tasks, and a 5-node simulated world (challenge 9's space-time diagram).

Run: ``uv run python benchmarks/visualizer_bench.py``. Prints figures; asserts nothing. Frames are
capped at 30/s by the screen's timer; each fps figure also gives the CPU a frame costs, which a
loaded machine does not distort.
Goals: ingestion >= 50,000 events/s with bounded memory; >= 20 frames/s in every case.
"""

from __future__ import annotations

import asyncio
import random
import time
import tracemalloc
from pathlib import Path

from evaluator.events import Event, EventKind
from evaluator.state import Fold, VisSnapshot
from interactive.visualizer.runner import LiveRun, Target
from interactive.visualizer.wire import encode_batch

THREADS = 64
LOCKS = 8
BATCH = 2000


def synthetic_events(
    count: int, *, threads: int = THREADS, seed: int = 1, prefix: str = "worker-"
) -> list[Event]:
    """A lock-and-queue-heavy history of ``threads`` workers (seeded); ``prefix="Task-"`` makes
    them asyncio tasks (the same event kinds the asyncio hooks emit)."""
    rng = random.Random(seed)
    events: list[Event] = []
    ts = 0
    kinds = (
        EventKind.LOCK_WAIT,
        EventKind.LOCK_ACQUIRE,
        EventKind.QUEUE_PUT,
        EventKind.LOCK_RELEASE,
        EventKind.SLEEP_START,
        EventKind.SLEEP_END,
        EventKind.QUEUE_GET,
    )
    for seq in range(count):
        ts += rng.randrange(100, 5000)
        actor = rng.randrange(threads)
        kind = kinds[seq % len(kinds)]
        obj = f"lock_{actor % LOCKS}" if "lock" in kind.value else "jobs"
        events.append(
            Event(
                seq, ts, kind, f"{prefix}{actor:02d}", 1000 + actor, obj, seq % 50, "program.py:12"
            )
        )
    return events


def ingestion_rate(total: int = 400_000) -> tuple[float, float, float, int]:
    """Events/s through decode + fold (the reader thread's path) by the wall clock and per CPU
    second, peak traced MiB, events kept."""
    events = synthetic_events(total)
    lines = [encode_batch(events[i : i + BATCH]) for i in range(0, total, BATCH)]
    run = LiveRun(Target("script", "unused.py"), keep=200_000)
    from interactive.visualizer.wire import decode_batch

    started, cpu = time.perf_counter(), time.process_time()
    for line in lines:
        run.ingest(decode_batch(line))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # Memory is measured in a second pass: tracemalloc slows Python down several times.
    traced = LiveRun(Target("script", "unused.py"), keep=200_000)
    tracemalloc.start()
    for line in lines:
        traced.ingest(decode_batch(line))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return total / elapsed, total / cpu, peak / 2**20, len(run.events)


def fold_only_rate(total: int = 400_000) -> float:
    events = synthetic_events(total)
    fold = Fold()
    started = time.perf_counter()
    for event in events:
        fold.apply(event)
    return total / (time.perf_counter() - started)


class _FloodRun:
    """A run whose fold receives a fresh batch before every frame (a flood of events)."""

    seed = 0
    killed = False
    returncode = None

    def __init__(self, events: list[Event] | None = None, batch: int = BATCH) -> None:
        self.fold = Fold()
        self.events = events if events is not None else synthetic_events(100_000)
        self.cursor = 0
        self.batch = batch

    @property
    def finished(self) -> bool:
        return False

    def snapshot(self) -> VisSnapshot:
        if self.cursor + self.batch > len(self.events):  # replay from the start (a fresh world)
            self.fold, self.cursor = Fold(), 0
        for event in self.events[self.cursor : self.cursor + self.batch]:
            self.fold.apply(event)
        self.cursor += self.batch
        return self.fold.snapshot()

    def recorded(self) -> tuple[Event, ...]:
        return ()

    def errors(self, lines: int = 6) -> str:
        return ""

    def stop(self) -> None:
        pass


def sim_events() -> list[Event]:
    """Challenge 9's simulated world (3 scheduler nodes + the lock store + storage = 5 lanes)."""
    from challenges import get_challenge
    from evaluator.loader import load_program
    from interactive.visualizer.sim import simulate, world_events

    challenge = get_challenge(9)
    module = load_program(challenge.program_path, name="bench_program_9")
    world, problem, seed = simulate(challenge.spec, module, 1)
    return world_events(world, problem, seed)


async def frames_per_second(
    seconds: float = 4.0,
    size: tuple[int, int] = (200, 60),
    make_run: object = None,
    kind: str = "example",
) -> tuple[float, float]:
    """Headless: frames the visualizer's own timer draws per second under a flood of events, and
    the CPU milliseconds each frame costs (the figure a loaded machine does not distort)."""
    from interactive.app import LearnTui
    from interactive.screens.visualizer import VisualizerScreen
    from interactive.services import DashboardView, Services

    services = Services(dashboard=DashboardView, challenges=tuple, grade=lambda c: None)  # type: ignore[arg-type,return-value]
    app = LearnTui(services)
    async with app.run_test(size=size) as pilot:
        factory = make_run if callable(make_run) else (lambda: _FloodRun())
        screen = VisualizerScreen(kind, 1, seed=0, run_factory=lambda seed: factory())
        app.push_screen(screen)
        await pilot.pause()
        first, started, cpu = screen.frames, time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)  # the screen's timer polls, folds and paints meanwhile
        drawn, elapsed = screen.frames - first, time.perf_counter() - started
        cpu = time.process_time() - cpu
    return drawn / elapsed, cpu * 1000 / max(1, drawn)


def _fps(figures: tuple[float, float]) -> str:
    fps, cpu_ms = figures
    return f"{fps:.1f} ({cpu_ms:.1f} ms CPU per frame: {1000 / cpu_ms:.0f} fps if it had a core to itself)"


def end_to_end(tmp: Path) -> tuple[float, int]:
    """A real child with 64 threads emitting events through the pipe: events/s received."""
    program = tmp / "flood.py"
    program.write_text(
        "import threading\nfrom evaluator.events import EventKind, emit\n"
        "def work():\n    me = threading.current_thread()\n"
        "    for _ in range(1500):\n"
        "        emit(EventKind.LOCK_WAIT, me.name, me.ident, obj='L')\n"
        "        emit(EventKind.LOCK_ACQUIRE, me.name, me.ident, obj='L')\n"
        "        emit(EventKind.LOCK_RELEASE, me.name, me.ident, obj='L')\n"
        f"ts = [threading.Thread(target=work) for _ in range({THREADS})]\n"
        "[t.start() for t in ts]\n[t.join() for t in ts]\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    run = LiveRun(Target("script", str(program)), deadline_s=120).start()
    run.wait()
    elapsed = time.perf_counter() - started
    received = run.snapshot().events
    return received / elapsed, received


def main() -> None:
    import tempfile

    rate, cpu_rate, peak_mib, kept = ingestion_rate()
    print(
        f"ingestion (decode + fold + keep), 64 threads: {rate:,.0f} events/s ({cpu_rate:,.0f} per CPU second); "
        f"peak traced memory {peak_mib:.1f} MiB; events kept {kept:,} of 400,000 (ring buffer)"
    )
    print(f"fold only: {fold_only_rate():,.0f} events/s")
    with tempfile.TemporaryDirectory() as tmp:
        e2e_rate, received = end_to_end(Path(tmp))
    print(
        f"end to end (child process, 64 threads, pipe): {received:,} events at {e2e_rate:,.0f} events/s "
        "(includes process start-up)"
    )
    for size in ((80, 24), (200, 60)):
        fps = _fps(asyncio.run(frames_per_second(size=size)))
        print(
            f"visualizer frames/s with 64 threads under an event flood at {size[0]}x{size[1]}: {fps}"
        )
    tasks = synthetic_events(100_000, prefix="Task-")
    for size in ((80, 24), (200, 60)):
        fps = _fps(asyncio.run(frames_per_second(size=size, make_run=lambda: _FloodRun(tasks))))
        print(
            f"visualizer frames/s with 64 asyncio tasks under an event flood at {size[0]}x{size[1]}: {fps}"
        )
    world = sim_events()
    for size in ((80, 24), (200, 60)):
        fps = _fps(
            asyncio.run(
                frames_per_second(
                    size=size, make_run=lambda: _FloodRun(world, batch=8), kind="challenge"
                )
            )
        )
        print(
            f"visualizer frames/s, 5-node simulated world ({len(world)} events, space-time diagram) "
            f"at {size[0]}x{size[1]}: {fps}"
        )


if __name__ == "__main__":
    main()
