"""# Micro-batching: trade a few milliseconds of latency for much more throughput

Many sinks charge a fixed price per call: a database round trip, an HTTP request, an
`fsync`, a Kafka produce request. Writing 1,000 rows one at a time pays that price 1,000
times; writing them in batches of 50 pays it 20 times. A **micro-batcher** collects items
from many producers and hands them to the sink in groups.

It needs **two triggers**, because traffic is not constant:

- **size**: flush when the batch has `max_size` items — under load, batches fill quickly and
  you get the throughput;
- **time**: flush when the *oldest* item has waited `max_wait` — under light load, a lone
  item would otherwise wait forever for companions. In the simple model a lone item is
  written within `max_wait` + one write; the lesson checks that model against measured
  latencies — real timers wake late, and items that arrive during a write wait for it.

And a third event: **shutdown** must flush the partial batch. A batcher that drops what it
holds when the process stops loses exactly the last writes, which are the ones nobody checks.

The shape of the code: producers put items on a queue (cheap, never waits for the sink); one
flusher waits for the *first* item of a batch with no deadline, then for more items with a
timeout equal to what is left of `max_wait`:

```python
first = queue.get()                  # idle: sleep until work arrives
batch, deadline = [first], now() + max_wait
while len(batch) < max_size:
    item = queue.get(timeout=deadline - now())  # Empty: time trigger
    ...
```

The lesson runs three phases — a burst, a trickle, then shutdown while items are pending —
and prints each flush as it happens with its trigger, its size and how long its oldest item
waited, then the measured latency per phase and — labelled as a model figure — what the
sink's cost model says batching saves.

## When not to

- When each item needs its own answer *now* (a user waiting on a single write with a tight
  deadline): the time trigger adds up to `max_wait` to every item.
- When one bad item must not fail its neighbours, unless the sink reports per-item results.
- When the queue can grow without bound: bound it (backpressure) or the batcher becomes a
  memory leak under sustained overload.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from examples._lesson import HELD, NOT_HERE, Spread, header, hypothesis, run_as_script, try_next

TITLE = "Micro-batching with size and time triggers"
CONCEPTS = ("batching", "throughput vs latency", "flush on shutdown", "queue")
DIFFICULTY = 2
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (16,)
HYPOTHESES = {"threads": ("13.1", "13.2", "13.3"), "asyncio": ("13.1", "13.2", "13.3")}

MAX_SIZE = 8
MAX_WAIT = 0.020
WRITE_FIXED = 0.003
"""What one call to the sink costs, whatever the batch size."""
WRITE_PER_ITEM = 0.0001

_STOP = object()


@dataclass(frozen=True)
class Item:
    number: int
    submitted_at: float
    phase: int = 0


@dataclass
class Flush:
    size: int
    trigger: str
    oldest_wait: float


@dataclass
class Sink:
    """The expensive destination; records what it received."""

    started: float
    say: Callable[[str], None]
    flushes: list[Flush] = field(default_factory=list)
    latencies: list[tuple[int, float]] = field(default_factory=list)
    """(phase, seconds from submit to written) per item."""
    timer_lateness: list[float] = field(default_factory=list)
    """How late each time-triggered flush started after its deadline."""

    def accept(self, batch: list[Item], trigger: str, now: float) -> None:
        waits = [now - item.submitted_at for item in batch]
        self.flushes.append(Flush(len(batch), trigger, max(waits)))
        if trigger == "time":
            self.timer_lateness.append(now - (batch[0].submitted_at + MAX_WAIT))
        colour = {"size": "cyan", "time": "yellow", "shutdown": "magenta"}[trigger]
        self.say(
            f"flush #{len(self.flushes):2d}  [{colour}]{trigger:<8}[/]  {len(batch):2d} items "
            f"{'▮' * len(batch):<{MAX_SIZE}}  oldest waited {max(waits) * 1000:5.1f} ms"
        )

    def record_done(self, batch: list[Item], now: float) -> None:
        self.latencies.extend((item.phase, now - item.submitted_at) for item in batch)


def _write_cost(size: int) -> float:
    return WRITE_FIXED + WRITE_PER_ITEM * size


# --- the phases the producers go through (the same for both variants) -----------------------


def _schedule() -> Iterator[tuple[str, int, float]]:
    """(phase, number of items, pause after each item) — a burst, a trickle, a last few."""
    yield "burst: 20 items at once", 20, 0.0
    yield "trickle: one item every 8 ms", 8, 0.008
    yield "3 items, then shutdown at once", 3, 0.0


# --- threads --------------------------------------------------------------------------------


def _collect_thread(inbox: queue.Queue[object]) -> tuple[list[Item], str, bool]:
    """One batch: (items, trigger, stop?)."""
    first = inbox.get()
    if first is _STOP:
        return [], "shutdown", True
    assert isinstance(first, Item)
    batch, deadline = [first], first.submitted_at + MAX_WAIT
    while len(batch) < MAX_SIZE:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return batch, "time", False
        try:
            item = inbox.get(timeout=remaining)
        except queue.Empty:
            return batch, "time", False
        if item is _STOP:
            return batch, "shutdown", True
        assert isinstance(item, Item)
        batch.append(item)
    return batch, "size", False


def _flusher_thread(inbox: queue.Queue[object], sink: Sink) -> None:
    stop = False
    while not stop:
        batch, trigger, stop = _collect_thread(inbox)
        if batch:
            sink.accept(batch, trigger, time.monotonic())
            time.sleep(_write_cost(len(batch)))
            sink.record_done(batch, time.monotonic())


def _run_threads(sink: Sink) -> None:
    inbox: queue.Queue[object] = queue.Queue(maxsize=1000)
    flusher = threading.Thread(target=_flusher_thread, args=(inbox, sink), name="flusher")
    flusher.start()
    number = 0
    for index, (phase, count, pause) in enumerate(_schedule()):
        sink.say(f"[bold]{phase}[/]")
        for _ in range(count):
            number += 1
            inbox.put(Item(number, time.monotonic(), index))
            time.sleep(pause)
    sink.say("[bold]shutdown requested[/]: the flusher writes what it holds, then exits")
    inbox.put(_STOP)
    flusher.join()


# --- asyncio --------------------------------------------------------------------------------


async def _collect_async(inbox: asyncio.Queue[object]) -> tuple[list[Item], str, bool]:
    first = await inbox.get()
    if first is _STOP:
        return [], "shutdown", True
    assert isinstance(first, Item)
    batch, deadline = [first], first.submitted_at + MAX_WAIT
    while len(batch) < MAX_SIZE:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return batch, "time", False
        try:
            async with asyncio.timeout(remaining):
                item = await inbox.get()
        except TimeoutError:
            return batch, "time", False
        if item is _STOP:
            return batch, "shutdown", True
        assert isinstance(item, Item)
        batch.append(item)
    return batch, "size", False


async def _flusher_task(inbox: asyncio.Queue[object], sink: Sink) -> None:
    stop = False
    while not stop:
        batch, trigger, stop = await _collect_async(inbox)
        if batch:
            sink.accept(batch, trigger, time.monotonic())
            await asyncio.sleep(_write_cost(len(batch)))
            sink.record_done(batch, time.monotonic())


async def _run_asyncio(sink: Sink) -> None:
    inbox: asyncio.Queue[object] = asyncio.Queue(maxsize=1000)
    async with asyncio.TaskGroup() as group:
        group.create_task(_flusher_task(inbox, sink), name="flusher")
        await _produce_async(inbox, sink)


async def _produce_async(inbox: asyncio.Queue[object], sink: Sink) -> None:
    number = 0
    for index, (phase, count, pause) in enumerate(_schedule()):
        sink.say(f"[bold]{phase}[/]")
        for _ in range(count):
            number += 1
            await inbox.put(Item(number, time.monotonic(), index))
            await asyncio.sleep(pause)
    sink.say("[bold]shutdown requested[/]: the flusher writes what it holds, then exits")
    await inbox.put(_STOP)


# --- report ---------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(console: Console, sink: Sink, elapsed: float) -> None:
    table = Table(title="Flushes by trigger", title_justify="left")
    for column in ("trigger", "flushes", "items", "mean size"):
        table.add_column(column, justify="left" if column == "trigger" else "right")
    for trigger in ("size", "time", "shutdown"):
        sizes = [f.size for f in sink.flushes if f.trigger == trigger]
        if sizes:
            table.add_row(
                trigger, str(len(sizes)), str(sum(sizes)), f"{sum(sizes) / len(sizes):.1f}"
            )
    console.print(table)
    items = sum(f.size for f in sink.flushes)
    submitted = sum(count for _, count, _ in _schedule())
    batched = sum(_write_cost(f.size) for f in sink.flushes)
    one_by_one = items * _write_cost(1)
    console.print(
        f"  [italic]model figure[/] (from the sink's cost model, {WRITE_FIXED * 1000:.0f} ms + "
        f"{WRITE_PER_ITEM * 1000:.1f} ms per item, not a measurement): {items} items in "
        f"{len(sink.flushes)} writes cost {batched * 1000:.1f} ms of sink time vs "
        f"{one_by_one * 1000:.1f} ms one by one ({one_by_one / batched:.1f}× less)."
    )
    names = [phase for phase, _, _ in _schedule()]
    for index, name in enumerate(names):
        waits = [seconds for phase, seconds in sink.latencies if phase == index]
        if waits:
            console.print(
                f"  measured latency, {name.split(':')[0]:30} "
                f"{Spread.of(waits).show(_ms, 'items')}",
                soft_wrap=True,
            )
    bound = MAX_WAIT + _write_cost(MAX_SIZE)
    trickle = [seconds for phase, seconds in sink.latencies if phase == 1]
    lateness = Spread.of(sink.timer_lateness or [0.0])
    hypothesis(
        console,
        "13.1",
        f"every trickle item is written within max_wait + one write (model bound {bound * 1000:.1f} ms)",
        HELD if trickle and max(trickle) <= bound else NOT_HERE,
        f"max {max(trickle) * 1000:.1f} ms; time flushes started {lateness.show(_ms, 'flushes')} late",
    )
    console.print(
        "  [dim]The model leaves out scheduling: a timeout or sleep wakes a little late (the "
        "lateness above), and an item that arrives while a write is in progress also waits "
        "for that write. In the burst, items queue behind earlier batches' writes: latency "
        "there is queueing, not max_wait.[/]"
    )
    hypothesis(
        console,
        "13.2",
        "shutdown flushes the partial batch: every submitted item is written",
        HELD if items == submitted else NOT_HERE,
        f"{items} of {submitted} written",
    )
    size_flushes = sum(f.trigger == "size" for f in sink.flushes)
    hypothesis(
        console,
        "13.3",
        "under the burst, batches fill to max_size (size trigger)",
        HELD if size_flushes else NOT_HERE,
        f"{size_flushes} size-triggered flushes",
    )
    console.print(f"  Total run {elapsed * 1000:.0f} ms.\n")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _run_variant(console: Console, variant: str) -> None:
    console.rule(f"[bold]Micro-batching — {variant}")
    console.print(
        f"  max_size={MAX_SIZE}, max_wait={MAX_WAIT * 1000:.0f} ms; one write costs "
        f"{WRITE_FIXED * 1000:.0f} ms + {WRITE_PER_ITEM * 1000:.1f} ms per item"
    )
    started = time.monotonic()

    def say(text: str) -> None:
        console.print(f"  [dim]t={(time.monotonic() - started) * 1000:6.1f} ms[/]  {text}")

    sink = Sink(started, say)
    if variant == "threads":
        _run_threads(sink)
    else:
        asyncio.run(_run_asyncio(sink))
    _report(console, sink, time.monotonic() - started)


def main(variant: str | None = None) -> None:
    """Run the lesson: every variant in turn, or only ``variant``."""
    console = Console(highlight=False)
    header(console, 13, "micro-batching with size and time triggers")
    for name in VARIANTS if variant is None else (variant,):
        _run_variant(console, name)
    try_next(
        console,
        __file__,
        "in `_collect_thread`, compute the deadline from when the flusher *took* the first item "
        "(`time.monotonic()`) instead of `first.submitted_at`, and run `threads`: how much "
        "later do trickle items get written (13.1)? Then delete the `_STOP` handling inside "
        "the loop and count what shutdown loses (13.2).",
        [(16, "the dashboard that miscounted: windows, event time and late data")],
    )


if __name__ == "__main__":
    run_as_script(main)
