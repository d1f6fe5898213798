"""Turn a corpus scenario (one function that starts threads, joins them and checks) into the
``setup`` / ``workers`` / ``invariant`` triple frontrun explores, and into the zero-argument
model interleave-test explores. Standard library only: imported by ``_peer_worker.py`` under
either tool's interpreter.

* interleave-test runs the scenario itself (it patches ``threading`` inside each schedule); the
  program is executed afresh per schedule so module-level locks are the tool's too.
* frontrun needs its workers up front: :class:`ThreadCapture` runs the scenario on a driver
  thread where ``threading.Thread`` only records each target; the driver stops at its first
  ``join`` (setup done), frontrun runs the recorded targets as its workers, then the invariant
  lets the driver finish the scenario (its ``expect`` checks). :class:`GatherCapture` does the
  same for an asyncio scenario that awaits one ``asyncio.gather`` of the program's coroutines.
  A scenario outside these shapes raises :class:`CannotExpress` with the reason.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CannotExpress", "GatherCapture", "ThreadCapture", "fresh_program", "model"]

_REAL_THREAD = threading.Thread


class CannotExpress(Exception):
    """The peer's API cannot run this corpus scenario as written (the reason is the message)."""


def fresh_program(path: Path) -> Callable[[], types.ModuleType]:
    """A factory executing ``path`` (compiled once) into a new module each call."""
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")

    def build() -> types.ModuleType:
        module = types.ModuleType("program")
        module.__file__ = str(path)
        exec(code, module.__dict__)
        return module

    return build


def model(
    scenario: Callable[[Any], Any], build: Callable[[], types.ModuleType]
) -> Callable[[], None]:
    """interleave-test's zero-argument model: a fresh program, then the scenario."""
    if inspect.iscoroutinefunction(scenario):
        raise CannotExpress("asyncio scenario: interleave-test schedules threads only")

    def run() -> None:
        scenario(build())

    run.__name__ = "scenario"
    return run


class _CapturedThread:
    """Stands in for ``threading.Thread`` in the spec: ``start`` records, ``join`` waits."""

    def __init__(
        self,
        capture: ThreadCapture,
        target: Callable[..., Any] | None = None,
        args: tuple = (),
        kwargs: dict | None = None,
        name: str | None = None,
        daemon: bool | None = None,
    ) -> None:
        self.capture = capture
        self.call = lambda: target(*args, **(kwargs or {})) if target is not None else None
        self.name = name or f"worker-{len(capture.targets)}"

    def start(self) -> None:
        if self.capture.released.is_set():
            self.capture.shape_error = "the scenario starts threads after a join (phases)"
            raise CannotExpress(self.capture.shape_error)
        self.capture.targets.append(self.call)

    def join(self, timeout: float | None = None) -> None:
        self.capture.at_join.set()
        self.capture.released.wait()

    def is_alive(self) -> bool:
        return not self.capture.released.is_set()


class ThreadCapture:
    """One execution's state for frontrun: the program, the recorded targets, the driver."""

    def __init__(
        self,
        spec_module: types.ModuleType,
        scenario: Callable[[Any], Any],
        program: types.ModuleType,
    ) -> None:
        self.targets: list[Callable[[], Any]] = []
        self.at_join = threading.Event()
        self.released = threading.Event()
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self.shape_error: str | None = None
        shim = types.SimpleNamespace(
            **{k: getattr(threading, k) for k in dir(threading) if not k.startswith("__")}
        )
        shim.Thread = lambda *a, **k: _CapturedThread(self, *a, **k)
        spec_module.__dict__["threading"] = (
            shim  # the scenario's ``threading.Thread``; the program's stays real
        )
        self.driver = _REAL_THREAD(
            target=self._drive, args=(scenario, program), daemon=True, name="scenario"
        )
        self.driver.start()
        self.at_join.wait()

    def _drive(self, scenario: Callable[[Any], Any], program: types.ModuleType) -> None:
        try:
            scenario(program)
        except BaseException as error:  # a Violation from expect(), or the shape check
            self.error = error
        finally:
            self.finished.set()
            self.at_join.set()

    def holds(self, wait_s: float = 5.0) -> bool:
        """The invariant: let the scenario finish its checks after the workers ran."""
        self.released.set()
        if not self.finished.wait(wait_s):
            return False
        return self.error is None


class _Parked:
    """What the shim ``gather`` returns: parks the scenario coroutine until the invariant."""

    def __init__(self, capture: GatherCapture, coroutines: tuple) -> None:
        capture.coroutines.extend(coroutines)

    def __await__(self) -> Any:
        results = yield self
        return results


class GatherCapture:
    """Async twin of :class:`ThreadCapture` for ``await asyncio.gather(program coroutines)``."""

    def __init__(
        self,
        spec_module: types.ModuleType,
        scenario: Callable[[Any], Any],
        program: types.ModuleType,
    ) -> None:
        self.coroutines: list[Any] = []
        self.results: dict[int, Any] = {}
        shim = types.SimpleNamespace(
            **{k: getattr(asyncio, k) for k in dir(asyncio) if not k.startswith("__")}
        )
        shim.gather = lambda *coroutines, **_: _Parked(self, coroutines)
        spec_module.__dict__["asyncio"] = shim
        self.coroutine = scenario(program)
        try:
            parked = self.coroutine.send(None)
        except StopIteration:
            raise CannotExpress("the scenario finished without gathering coroutines") from None
        except RuntimeError as error:  # e.g. it creates a task before any gather
            self.coroutine.close()
            raise CannotExpress(
                f"the scenario needs a running loop before any gather ({error})"
            ) from None
        if not isinstance(parked, _Parked):
            self.coroutine.close()
            raise CannotExpress(
                "the scenario awaits something other than one asyncio.gather of the program's coroutines"
            )

    def holds(self) -> bool:
        """Resume the scenario with the workers' results: its ``expect`` checks decide."""
        try:
            step = self.coroutine.send([self.results.get(i) for i in range(len(self.coroutines))])
        except StopIteration:
            return True
        except Exception:
            return False
        self.coroutine.close()
        raise CannotExpress(f"the scenario awaits again after its gather ({type(step).__name__})")
