"""# contextvars across tasks, threads and executors

A request id, the current user, a tracing span: values that belong to *this piece of work*,
not to the whole process. Globals are shared by every task; `threading.local` is per thread —
useless in asyncio, where thousands of tasks share one thread. `contextvars.ContextVar` is
per **context**, and asyncio gives every task its own.

## The rules

- `asyncio.create_task()` (and `TaskGroup.create_task`) runs the new task in a **copy** of the
  current context. The child starts with the values its parent had *at creation*; what it
  sets later stays in the child; siblings never see each other's values.
- `await asyncio.to_thread(fn)` runs `fn` in a copy of the current context, so the value
  crosses into the worker thread.
- `loop.run_in_executor(pool, fn)` and `pool.submit(fn)` do **not** copy it: `fn` runs in
  whatever context the pool's thread has — the defaults. Carry it yourself:
  `ctx = contextvars.copy_context(); loop.run_in_executor(pool, ctx.run, fn)`.
- A new `threading.Thread` starts with an **empty** context on the GIL build. From 3.14,
  `Thread(context=...)` takes one explicitly, and `sys.flags.thread_inherit_context`
  (`-X thread_inherit_context=1`, on by default in free-threaded builds) makes threads start
  with a copy of the starter's context.
- `var.set(value)` returns a token; `var.reset(token)` puts the previous value back — do it in
  `finally` when you set a value for the duration of a block.

## When not to

Do not pass ordinary arguments through context variables: explicit parameters are easier to
read and test. Use them for cross-cutting values that every layer may need but few should
have to pass along (request ids for logs, deadlines, tracing).
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "contextvars across tasks, threads and executors"
CONCEPTS = (
    "contextvars",
    "ContextVar",
    "copy_context",
    "to_thread vs run_in_executor",
    "request id",
)
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (14,)
HYPOTHESES = {"main": ("22.1", "22.2", "22.3", "22.4", "22.5")}

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

console = Console(highlight=False)


def where_am_i() -> str:
    """What a log line deep in a library would print."""
    return request_id.get()


async def handle(name: str, seen: dict[str, str]) -> None:
    request_id.set(name)  # set inside this task only
    await asyncio.sleep(0.01)  # the other requests run meanwhile
    seen[name] = where_am_i()


async def demo_tasks() -> None:
    console.rule("[bold]1. one request id per task")
    seen: dict[str, str] = {}
    async with asyncio.TaskGroup() as group:
        for name in ("req-1", "req-2", "req-3"):
            group.create_task(handle(name, seen))
    console.print(f"  each task saw: {seen}; the parent still sees {where_am_i()!r}")
    hypothesis(
        console,
        "22.1",
        "a value set in a task stays in that task (siblings and parent do not see it)",
        HELD if seen == {n: n for n in seen} and where_am_i() == "-" else NOT_HERE,
        f"tasks {seen}, parent {where_am_i()!r}",
    )

    token = request_id.set("parent-A")
    try:
        child_saw: list[str] = []

        async def child() -> None:
            await asyncio.sleep(0.01)
            child_saw.append(where_am_i())

        task = asyncio.create_task(child())  # copies the context now: parent-A
        request_id.set("parent-B")  # too late for the child
        await task
    finally:
        request_id.reset(token)
    console.print(
        f"  a child created while the parent had 'parent-A' saw {child_saw} "
        "although the parent changed it to 'parent-B' right after"
    )
    hypothesis(
        console,
        "22.2",
        "a child task sees the value its parent had when the child was created",
        HELD if child_saw == ["parent-A"] else NOT_HERE,
        f"child saw {child_saw}",
    )


async def demo_executors() -> None:
    console.rule("[bold]2. into threads: to_thread, run_in_executor, ctx.run")
    loop = asyncio.get_running_loop()
    token = request_id.set("req-42")
    try:
        via_to_thread = await asyncio.to_thread(where_am_i)
        with ThreadPoolExecutor(max_workers=1) as pool:
            via_executor = await loop.run_in_executor(pool, where_am_i)
            context = contextvars.copy_context()
            via_ctx_run = await loop.run_in_executor(pool, context.run, where_am_i)
    finally:
        request_id.reset(token)
    console.print(
        f"  the task's request id is 'req-42'; in the thread: to_thread → {via_to_thread!r}, "
        f"run_in_executor → {via_executor!r}, run_in_executor(ctx.run) → {via_ctx_run!r}"
    )
    hypothesis(
        console,
        "22.3",
        "asyncio.to_thread carries the value into the thread",
        HELD if via_to_thread == "req-42" else NOT_HERE,
        f"saw {via_to_thread!r}",
    )
    hypothesis(
        console,
        "22.4",
        "run_in_executor does not, unless you pass ctx.run",
        HELD if via_executor == "-" and via_ctx_run == "req-42" else NOT_HERE,
        f"plain {via_executor!r}, with ctx.run {via_ctx_run!r}",
    )


def demo_plain_thread() -> None:
    console.rule("[bold]3. a plain threading.Thread")
    token = request_id.set("req-7")
    seen: list[str] = []
    try:
        thread = threading.Thread(target=lambda: seen.append(where_am_i()))
        thread.start()
        thread.join()
    finally:
        request_id.reset(token)
    inherit = getattr(sys.flags, "thread_inherit_context", None)
    console.print(
        f"  the starter had 'req-7'; the new thread saw {seen}; "
        f"sys.flags.thread_inherit_context = {inherit!r}"
    )
    expected = "req-7" if inherit else "-"
    hypothesis(
        console,
        "22.5",
        "a new Thread starts with an empty context unless thread_inherit_context is on",
        HELD if seen == [expected] else NOT_HERE,
        f"saw {seen}, flag {inherit!r}",
    )


async def _lesson() -> None:
    await demo_tasks()
    await demo_executors()


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 22, "contextvars across tasks, threads and executors")
    asyncio.run(_lesson())
    demo_plain_thread()
    try_next(
        console,
        __file__,
        "replace `request_id` with a module-level global string and run: which hypotheses turn "
        "to 'not here'? Then write `submit_with_context(pool, fn)` that does "
        "`pool.submit(contextvars.copy_context().run, fn)` and use it in `demo_executors`.",
        [
            (
                14,
                "the trip that charged for nothing: one idempotency key per operation, carried through every call",
            )
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
