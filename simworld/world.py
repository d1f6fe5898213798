"""The simulated world: a virtual clock, nodes that run ``async def`` tasks, pauses and crashes.

Everything happens on one thread, in virtual milliseconds, in an order decided only by the
world's seed, so any run replays exactly from its seed. Learner code is ordinary ``async``
Python that awaits *sim* operations (``node.sleep``, service calls, :class:`Queue`), never
``asyncio`` or ``time``::

    async def worker(node: Node, kv: Client) -> None:
        while True:
            await kv.put("heartbeat", node.now)
            await node.sleep(100)           # 100 virtual ms, no wall time

    world = World(seed=7)
    world.node("worker-1", worker, world.kv)   # starts worker(node, <kv client>) at t=0
    world.run(until=1_000)

A **node** is a machine: it can be *paused* (a GC pause: its tasks do not run, its timers and
replies wait, the rest of the world goes on) or *crashed* (its tasks vanish with their memory;
on restart its main function runs again from the top; only what it stored in services survives).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

from simworld.history import History

__all__ = ["Escaped", "Future", "Node", "SimError", "SimStuck", "Task", "World"]

T = TypeVar("T")
MAX_EVENTS = 100_000
"""A run that needs more scheduler events than this is stuck (a busy loop that never sleeps);
the busiest scenario of challenges 9-16 needs about 6,000."""


class SimError(Exception):
    """Base class of the errors the simulation raises inside learner code."""


class SimStuck(SimError):
    """The simulation ran :data:`MAX_EVENTS` events without reaching its end time."""


class Escaped(SimError):
    """The run stopped because the program stepped outside the world (see the guard)."""


class Future:
    """A value that becomes available later in virtual time; ``await`` it inside a task."""

    __slots__ = ("_callbacks", "_done", "_error", "_result")

    def __init__(self) -> None:
        self._done = False
        self._result: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future], None]] = []

    @property
    def done(self) -> bool:
        return self._done

    def result(self) -> Any:
        """The value, or raise the error it completed with."""
        if self._error is not None:
            raise self._error
        return self._result

    def set_result(self, value: Any = None) -> None:
        if not self._done:
            self._done, self._result = True, value
            self._fire()

    def set_error(self, error: BaseException) -> None:
        if not self._done:
            self._done, self._error = True, error
            self._fire()

    def add_done_callback(self, callback: Callable[[Future], None]) -> None:
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def _fire(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def __await__(self) -> Generator[Future, None, Any]:
        if not self._done:
            yield self
        return self.result()


class Task:
    """One coroutine running on a node. ``await task.finished`` waits for its result."""

    def __init__(self, node: Node, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self.node = node
        self.name = name
        self.finished = Future()
        self._coro = coro
        self._generation = node.generation

    @property
    def alive(self) -> bool:
        return self._generation == self.node.generation and not self.finished.done

    def _step(self, value: Any = None, error: BaseException | None = None) -> None:
        node, world = self.node, self.node._world
        if not self.alive:
            return
        if world.now < node.paused_until:
            world.at(node.paused_until, lambda: self._step(value, error))
            return
        try:
            awaited = self._coro.throw(error) if error is not None else self._coro.send(value)
        except StopIteration as stop:
            self.finished.set_result(stop.value)
            return
        except BaseException as exc:  # the learner's task died: recorded, never swallowed silently
            world.history.add(
                node.name, f"task {self.name} crashed: {type(exc).__name__}: {exc}", "error"
            )
            world.task_errors.append((self.name, exc))
            self.finished.set_error(exc)
            return
        finally:
            if node.after_step is not None:
                node.after_step()
        if not isinstance(awaited, Future):
            self._coro.close()
            error = TypeError(
                f"task {self.name} awaited {awaited!r}: inside the simulation await only sim "
                "operations (node.sleep, service calls, sim Queue), never asyncio or time"
            )
            world.task_errors.append((self.name, error))
            self.finished.set_error(error)
            return
        awaited.add_done_callback(self._wake)

    def _wake(self, future: Future) -> None:
        if future._error is not None:
            self.node._world.soon(lambda: self._step(None, future._error))
        else:
            self.node._world.soon(lambda: self._step(future._result))


class Node:
    """A machine in the world: runs tasks, can be paused, crashed and restarted."""

    def __init__(
        self,
        world: World,
        name: str,
        main: Callable[..., Coroutine[Any, Any, Any]] | None,
        args: tuple[Any, ...],
    ) -> None:
        self._world = world
        self.name = name
        self.generation = 0
        """Bumped on every crash and restart; tasks of an older generation never run again."""
        self.alive = True
        self.paused_until = 0
        self._main = main
        self._args = args
        self.tasks: list[Task] = []
        self.memory: dict[str, Any] = {}
        """This node's RAM, shared by its tasks (e.g. an in-flight table); wiped by a crash."""
        self.skew = 0
        self.after_step: Callable[[], None] | None = None
        """Called after each step of this node's tasks (the guard watches module-level state)."""
        """How far this node's clock is ahead of the world's (negative: behind), in ms."""

    @property
    def world(self) -> World:
        from simworld.guard import outside

        raise outside(
            "reads node.world: a node reaches the world only through its clients and node.sleep"
        )

    @property
    def now(self) -> int:
        """This node's clock in virtual milliseconds (the world's time plus the node's ``skew``)."""
        return self._world.now + self.skew

    @property
    def rng(self) -> random.Random:
        """This world's seeded random generator (use it instead of ``random``)."""
        return self._world.rng

    def start(
        self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, name: str | None = None
    ) -> Task:
        """Run ``fn(*args)`` as a new task on this node (it starts at the current time)."""
        task = Task(self, fn(*args), name or f"{self.name}/{getattr(fn, '__name__', 'task')}")
        self.tasks.append(task)
        self._world.soon(task._step)
        return task

    def sleep(self, ms: int) -> Future:
        """``await node.sleep(ms)``: wait ``ms`` virtual milliseconds."""
        future = Future()
        self._world.after(max(0, int(ms)), lambda: future.set_result(None))
        return future

    def log(self, text: str) -> None:
        """Add a line to the recorded history under this node's name."""
        self._world.history.add(self.name, str(text), "note")

    # --- faults (called by the nemesis) ---

    def pause(self, ms: int) -> None:
        """Freeze every task of this node for ``ms`` (a stop-the-world GC pause)."""
        self.paused_until = max(self.paused_until, self._world.now + ms)

    def crash(self) -> None:
        """Kill every task; in-memory state is gone. Sends from a dead node are lost."""
        self._world.crash_log.append((self._world.now, self.name))
        self.alive = False
        self.generation += 1
        self.memory = {}
        for task in self.tasks:
            with contextlib.suppress(
                RuntimeError
            ):  # a ``finally`` that awaits: a dead node sends nothing
                task._coro.close()
        self.tasks = []

    def restart(self) -> None:
        """Boot again: a fresh run of the node's main function."""
        self.alive = True
        self.generation += 1
        self.paused_until = 0
        self.boot()

    def boot(self) -> None:
        """Start the main function; service arguments become clients bound to this node."""
        if self._main is not None:
            from simworld.network import Service

            args = [a.client(self) if isinstance(a, Service) else a for a in self._args]
            self.start(self._main, self, *args, name=f"{self.name}/main")


class World:
    """The clock, the event queue, the seeded randomness, the nodes and the recorded history."""

    def __init__(self, seed: int) -> None:
        from simworld.network import Network

        self.seed = seed
        self.now = 0
        self.rng = random.Random(seed)
        self.history = History(self)
        self.nodes: dict[str, Node] = {}
        self.task_errors: list[tuple[str, BaseException]] = []
        self.network = Network(self)
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.events_run = 0
        self.observers: list[Callable[[Any], None]] = []
        """Called with every :class:`~simworld.network.Delivery` (the nemesis's aimed faults)."""
        self.ended = False
        self.shape_request: Callable[[Node, Any, str, tuple[Any, ...]], int | None] | None = None
        """The nemesis's aimed delays: ms a request takes (None: the network decides)."""
        self.escapes: list[Any] = []
        """The running program's recorded escapes (the run stops at the first one)."""
        self.crash_log: list[tuple[int, str]] = []
        """(time, node) of every crash, for checkers."""
        """Set when :meth:`run` returns: nothing may be scheduled after the run (the check reads it)."""

    # --- time ---

    def at(self, time: int, callback: Callable[[], None]) -> None:
        """Run ``callback`` at virtual time ``time`` (ties run in scheduling order)."""
        if self.ended:
            from simworld.guard import learner_on_stack, outside

            if learner_on_stack():
                raise outside(
                    "schedules work after the run ended (the check reads what the world recorded)"
                )
            self.ended = False  # the scenario itself goes on running the world
        heapq.heappush(self._queue, (max(time, self.now), next(self._seq), callback))

    def after(self, delay: int, callback: Callable[[], None]) -> None:
        self.at(self.now + delay, callback)

    def soon(self, callback: Callable[[], None]) -> None:
        self.at(self.now, callback)

    def run(self, until: int) -> None:
        """Process events up to virtual time ``until`` (the clock then reads ``until``)."""
        while self._queue and self._queue[0][0] <= until:
            time, _, callback = heapq.heappop(self._queue)
            self.now = time
            callback()
            if self.escapes:
                raise Escaped("the program stepped outside the simulated world")
            self.events_run += 1
            if self.events_run > MAX_EVENTS:
                raise SimStuck(
                    f"more than {MAX_EVENTS} events before t={until}ms: "
                    "a loop that never awaits a sleep or a call?"
                )
        self.now = max(self.now, until)
        self.ended = True

    # --- building the world ---

    def node(
        self, name: str, main: Callable[..., Coroutine[Any, Any, Any]] | None = None, *args: Any
    ) -> Node:
        """Add a node; ``main(node, *args)`` starts at once and again after each restart.

        A :class:`~simworld.network.Service` in ``args`` is passed as a client bound to
        this node, so ``main`` calls it over the simulated network.
        """
        node = Node(self, name, main, args)
        self.nodes[name] = node
        node.boot()
        return node
