"""Services and the network between nodes and services.

A :class:`Service` is a server (a KV store, a log, a database...). Its public methods are its
operations; each runs atomically when a request *arrives*. A node never calls a service
directly: it holds a :class:`Client` and ``await``\\ s calls that travel over the network::

    ok = await kv.put("lock", node.name, if_absent=True, ttl_ms=300)

Each request and each reply takes a random delay in ``[min_delay, max_delay]`` ms, so messages
get reordered. With the configured probabilities a message is lost (``drop``) or delivered
twice (``duplicate``: the service applies the request a second time; the client only hears
the reply to whichever copy arrived first). If no reply arrives
within the client's timeout the call raises :class:`RpcTimeout`: the operation may or may
not have happened. Delays never exceed ``max_delay``: that bound is part of the world's
contract, so a timeout longer than ``2 * max_delay`` only fires when a message was lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from simworld.wire import wire
from simworld.world import Future, SimError

if TYPE_CHECKING:
    from simworld.world import Node, World

__all__ = ["Client", "NetConfig", "Network", "Rejected", "RpcTimeout", "Service"]


class RpcTimeout(SimError, TimeoutError):
    """No reply in time: the request or the reply was lost (or the service is slow)."""


class Rejected(SimError):
    """The service refused the operation (e.g. a stale fencing token); it did not happen."""


@dataclass(frozen=True)
class NetConfig:
    """Behaviour of every message while this configuration is in force."""

    min_delay: int = 1
    max_delay: int = 10
    drop: float = 0.0
    """Probability that a message (request or reply) is lost."""
    duplicate: float = 0.0
    """Probability that a request is delivered (and applied) twice."""
    timeout: int = 100
    """Default client timeout in ms."""
    typical_max: int | None = None
    """When set, delays are drawn in ``[min_delay, typical_max]``; ``max_delay`` stays the bound
    (aimed delays may go up to it)."""


@dataclass(frozen=True)
class Delivery:
    """A request as a service applied it (what the nemesis's aimed faults watch)."""

    node: Node
    service: Service
    op: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outcome: Any
    error: BaseException | None
    first: bool
    """False for a duplicate's second delivery."""


class Service:
    """Base class of simulated servers. Subclasses define operations as public methods.

    During an operation ``self.caller`` is the calling node's name and ``self.world.now`` the
    arrival time. The effect is immediate; a slow service replies ``service_time(op)`` ms later. Names in ``quiet`` are not written to the timeline (frequent polling).
    """

    quiet: frozenset[str] = frozenset()

    def service_time(self, op: str) -> int:
        """Milliseconds the service works on ``op`` before replying (0: instant)."""
        return 0

    def __init__(self, world: World, name: str) -> None:
        self.world = world
        self.name = name
        self.caller = ""

    def client(self, node: Node, timeout: int | None = None) -> Client:
        """A handle that calls this service from ``node`` over the network."""
        return Client(node, self, timeout)

    def log(self, text: str) -> None:
        self.world.history.add(self.name, text, "op")


class Client:
    """Calls a service's operations from one node: ``await client.op(*args, **kwargs)``."""

    __slots__ = ("_node", "_service", "_timeout")

    def __init__(self, node: Node, service: Service, timeout: int | None = None) -> None:
        self._node = node
        self._service = service
        self._timeout = timeout

    @property
    def timeout(self) -> int | None:
        return self._timeout

    @property
    def service(self) -> Service:
        from simworld.guard import outside

        raise outside("reads client.service: call the service through the client, over the network")

    @property
    def node(self) -> Node:
        from simworld.guard import outside

        raise outside("reads client.node: a client is only a way to send messages")

    def with_timeout(self, ms: int) -> Client:
        """The same client with another timeout."""
        return Client(self._node, self._service, ms)

    def __getattr__(self, op: str) -> Any:
        service = self._service
        if op.startswith("_") or not callable(getattr(service, op, None)) or op in _NOT_OPERATIONS:
            raise AttributeError(f"service {service.name!r} has no operation {op!r}")

        def call(*args: Any, **kwargs: Any) -> Future:
            return self._node._world.network.call(
                self._node, service, op, args, kwargs, self._timeout
            )

        return call


_NOT_OPERATIONS = frozenset({"client", "log", "service_time"})


def _render(op: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"{op}({', '.join(parts)})"


class Network:
    """Carries requests and replies with delays, losses and duplicates (see module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = NetConfig()
        self._windows: list[tuple[int, int, NetConfig]] = []
        self._current: tuple[int, NetConfig] | None = None

    def configure(self, **changes: Any) -> None:
        """Change the baseline behaviour (``min_delay``, ``max_delay``, ``drop``, ...)."""
        self.config = replace(self.config, **changes)
        self._current = None

    def degrade(self, start: int, end: int, **changes: Any) -> None:
        """Between ``start`` and ``end`` ms use the baseline with ``changes`` (the nemesis)."""
        self._windows.append((start, end, replace(self.config, **changes)))
        self._current = None

    def current(self) -> NetConfig:
        now = self.world.now
        cached = self._current
        if cached is not None and cached[0] == now:
            return cached[1]
        found = self.config
        for start, end, config in self._windows:
            if start <= now < end:
                found = config
                break
        self._current = (now, found)
        return found

    def _delay(self) -> int:
        config = self.current()
        return self.world.rng.randint(config.min_delay, config.typical_max or config.max_delay)

    def _lost(self) -> bool:
        return self.world.rng.random() < self.current().drop

    def call(
        self,
        node: Node,
        service: Service,
        op: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: int | None,
    ) -> Future:
        """Send one request; the returned future completes with the reply or an error."""
        world = self.world
        future = Future()
        if not node.alive:
            return future  # a dead node sends nothing; its task never runs again anyway
        args, kwargs = wire(args), wire(kwargs)
        record = world.history.invoke(node.name, f"{service.name}.{op}", *args, **kwargs)
        generation = node.generation

        def reply(outcome: Any, error: BaseException | None) -> None:
            if future.done or node.generation != generation:
                return
            world.history.complete(record, error if error is not None else outcome)
            if error is not None:
                future.set_error(error)
            else:
                future.set_result(outcome)

        def deliver(copy: str) -> None:
            first = "applied" not in record.meta
            service.caller = node.name
            try:
                outcome, error = getattr(service, op)(*args, **kwargs), None
            except (Rejected, ValueError, KeyError, TypeError) as exc:
                outcome, error = None, exc
            record.meta.setdefault("applied", []).append(world.now)
            outcome = wire(outcome)
            for observe in world.observers:
                observe(Delivery(node, service, op, args, kwargs, outcome, error, first))
            if op not in service.quiet:
                shown = f"{type(error).__name__}: {error}" if error else repr(outcome)
                service.log(f"{copy}{_render(op, args, kwargs)} from {node.name} = {shown}")
            if not first:
                return  # a duplicate's reply is ignored: the client hears about the first delivery
            if self._lost():
                world.history.add(service.name, f"reply to {node.name} for {op} lost", "net")
                return
            world.after(service.service_time(op) + self._delay(), lambda: reply(outcome, error))

        if self._lost():
            world.history.add(
                node.name, f"request {service.name}.{_render(op, args, kwargs)} lost", "net"
            )
        else:
            shaped = world.shape_request(node, service, op, args) if world.shape_request else None
            world.after(
                self._delay() if shaped is None else min(shaped, self.current().max_delay),
                lambda: deliver(""),
            )
            if world.rng.random() < self.current().duplicate:
                world.history.add(node.name, f"request {service.name}.{op} duplicated", "net")
                world.after(self._delay(), lambda: deliver("(duplicate) "))
        wait = timeout if timeout is not None else self.current().timeout

        def expire() -> None:
            if not future.done and node.generation == generation:
                if op not in service.quiet:
                    world.history.add(
                        node.name, f"{service.name}.{op} timed out after {wait}ms", "op"
                    )
                future.set_error(RpcTimeout(f"{service.name}.{op} got no reply within {wait}ms"))

        world.after(wait, expire)
        return future
