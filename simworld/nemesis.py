"""The nemesis: faults injected on a schedule drawn from the world's seed (like Jepsen's).

A scenario declares which faults its world suffers; the same seed always gives the same
schedule, and every fault appears in the timeline as a ``NEMESIS`` line::

    nemesis = Nemesis(world)
    nemesis.random_pauses(["client-1", "client-2"], count=(1, 3), duration=(100, 600), window=(0, 3000))
    nemesis.lossy_network(drop=0.2, count=(0, 2), duration=(100, 300), window=(0, 3000))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simworld.network import Delivery
    from simworld.world import World

__all__ = ["Nemesis"]


class Nemesis:
    """Schedules pauses, crashes and network trouble (see module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng

    def _say(self, text: str) -> None:
        self.world.history.add("nemesis", text, "nemesis")

    def pause(self, node: str, at: int, ms: int) -> None:
        """Freeze ``node`` for ``ms`` starting at ``at`` (a GC pause)."""

        def go() -> None:
            target = self.world.nodes[node]
            if target.alive:
                self._say(f"pause {node} for {ms}ms (until t={at + ms}ms)")
                target.pause(ms)

        self.world.at(at, go)

    def crash(self, node: str, at: int, restart_after: int | None = None) -> None:
        """Kill ``node`` at ``at``; restart it ``restart_after`` ms later (never if ``None``)."""

        def go() -> None:
            target = self.world.nodes[node]
            if not target.alive:
                return
            later = "" if restart_after is None else f", restart in {restart_after}ms"
            self._say(f"crash {node} (its memory is lost{later})")
            target.crash()
            if restart_after is not None:
                self.world.after(restart_after, restart)

        def restart() -> None:
            self._say(f"restart {node}")
            self.world.nodes[node].restart()

        self.world.at(at, go)

    def network(self, start: int, end: int, **changes: object) -> None:
        """Between ``start`` and ``end`` the network behaves with ``changes`` (e.g. ``drop=0.3``)."""
        shown = ", ".join(f"{k}={v}" for k, v in changes.items())
        self.world.network.degrade(start, end, **changes)
        self.world.at(start, lambda: self._say(f"network trouble until t={end}ms: {shown}"))

    # --- random schedules from the seed ---

    def _times(self, count: tuple[int, int], window: tuple[int, int]) -> list[int]:
        return sorted(self.rng.randint(*window) for _ in range(self.rng.randint(*count)))

    def random_pauses(
        self,
        nodes: Sequence[str],
        count: tuple[int, int],
        duration: tuple[int, int],
        window: tuple[int, int],
    ) -> None:
        for at in self._times(count, window):
            self.pause(self.rng.choice(list(nodes)), at, self.rng.randint(*duration))

    def random_crashes(
        self,
        nodes: Sequence[str],
        count: tuple[int, int],
        downtime: tuple[int, int],
        window: tuple[int, int],
    ) -> None:
        for at in self._times(count, window):
            self.crash(self.rng.choice(list(nodes)), at, self.rng.randint(*downtime))

    def lossy_network(
        self,
        drop: float,
        count: tuple[int, int],
        duration: tuple[int, int],
        window: tuple[int, int],
        duplicate: float = 0.0,
    ) -> None:
        for at in self._times(count, window):
            self.network(at, at + self.rng.randint(*duration), drop=drop, duplicate=duplicate)

    # --- faults aimed at race windows ---

    def aimed(
        self,
        match: Callable[[Delivery], bool],
        chance: float,
        limit: int,
        act: Callable[[Delivery], None],
    ) -> None:
        """When a request matching ``match`` is applied, with probability ``chance`` (at most
        ``limit`` times per run) call ``act(delivery)``: a fault aimed at the window that follows."""
        fired = [0]

        def observe(delivery: Delivery) -> None:
            if (
                fired[0] < limit
                and delivery.first
                and match(delivery)
                and self.rng.random() < chance
            ):
                fired[0] += 1
                act(delivery)

        self.world.observers.append(observe)

    def pause_after(
        self,
        match: Callable[[Delivery], bool],
        chance: float,
        duration: tuple[int, int],
        limit: int = 2,
        delay: tuple[int, int] = (0, 0),
        why: str = "",
    ) -> None:
        """Pause the requesting node right after a matching request was applied (its reply, or
        its next step, then arrives late: the classic 'GC pause while the lease is in flight')."""

        def act(d: Delivery) -> None:
            at = self.world.now + self.rng.randint(*delay)
            ms = self.rng.randint(*duration)
            self.world.history.add(
                "nemesis",
                f"aimed: {d.node.name}'s {d.service.name}.{d.op} was applied{why}",
                "nemesis",
            )
            self.pause(d.node.name, at, ms)

        self.aimed(match, chance, limit, act)

    def crash_after(
        self,
        match: Callable[[Delivery], bool],
        chance: float,
        delay: tuple[int, int],
        downtime: tuple[int, int] | None,
        limit: int = 1,
        why: str = "",
    ) -> None:
        """Crash the requesting node shortly after a matching request was applied (restart after
        ``downtime`` ms; never when ``downtime`` is None)."""

        def act(d: Delivery) -> None:
            at = self.world.now + self.rng.randint(*delay)
            later = None if downtime is None else self.rng.randint(*downtime)
            self.world.history.add(
                "nemesis",
                f"aimed: {d.node.name}'s {d.service.name}.{d.op} was applied{why}",
                "nemesis",
            )
            self.crash(d.node.name, at, later)

        self.aimed(match, chance, limit, act)
