"""The learner's program as the simulated world runs it: one fresh module per node.

Separate machines share no memory, so every simulated node gets its *own* instance of the
learner's module (its own module-level variables), created when the node boots and thrown
away when it crashes. Each fault seed starts from fresh instances too, so a run never depends
on what an earlier seed left behind. Every instance runs behind the guard
(:mod:`challenges.sim.guard`)::

    program = SimProgram(path)
    world.node("scheduler-1", program.main("scheduler"), kv, storage)   # per-node instance
    program.on(node).publish(node, log, event)                         # from spec code
    program.LOCK_KEY                                                    # the checker's own instance
"""

from __future__ import annotations

import ast
import sys
import types
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from challenges.sim.guard import Escape, guarded_builtins, static_escapes, watching

if TYPE_CHECKING:
    from challenges.sim.world import Node

__all__ = ["SimProgram", "sim_loader"]


class SimProgram:
    """See the module docstring."""

    def __init__(self, path: Path | str, source: str | None = None, *, _code: Any = None,
                 _static: list[Escape] | None = None) -> None:
        self.path = str(path)
        self.file = Path(path).name
        self.name = Path(path).stem
        if _code is None:
            text = source if source is not None else Path(path).read_text(encoding="utf-8")
            tree = ast.parse(text, filename=self.path)
            _code = compile(tree, self.path, "exec", dont_inherit=True)
            _static = static_escapes(tree)
        self.code = _code
        self.static: list[Escape] = list(_static or [])
        """Escapes visible in the source (found before anything runs)."""
        self.escapes: list[Escape] = []
        """Escapes caught while running (recorded even if the learner's code caught the error)."""
        self._instances: dict[str, tuple[int, types.ModuleType]] = {}
        self._checker: types.ModuleType | None = None

    @classmethod
    def of(cls, program: Any) -> SimProgram:
        """The program behind a module, a loaded program, a ``globals()`` dict or a path."""
        if isinstance(program, SimProgram):
            return program
        if isinstance(program, dict):
            found = program.get("__sim_program__")
            return found if isinstance(found, SimProgram) else cls(program["__file__"])
        if isinstance(program, str | Path):
            return cls(program)
        found = getattr(program, "__sim_program__", None)
        return found if isinstance(found, SimProgram) else cls(program.__file__)

    def fresh(self) -> SimProgram:
        """The same file with no instances and no recorded escapes (one per fault seed)."""
        return SimProgram(self.path, _code=self.code, _static=self.static)

    def instance(self) -> types.ModuleType:
        """Run the file as a new module behind the guard."""
        module = types.ModuleType(self.name)
        module.__file__ = self.path
        module.__dict__["__builtins__"] = guarded_builtins()
        module.__dict__["__sim_program__"] = self
        previous = sys.modules.get(self.name)
        sys.modules[self.name] = module  # dataclasses and enums look their module up while the class is made
        try:
            with watching(self):
                exec(self.code, module.__dict__)
        finally:
            if previous is None:
                sys.modules.pop(self.name, None)
            else:
                sys.modules[self.name] = previous
        return module

    def on(self, node: Node) -> types.ModuleType:
        """``node``'s own instance of the module (a new one after each crash and restart)."""
        known = self._instances.get(node.name)
        if known is None or known[0] != node.generation:
            known = (node.generation, self.instance())
            self._instances[node.name] = known
        return known[1]

    def main(self, attr: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        """A node main that runs ``attr(node, *args)`` of that node's own instance."""

        async def main(node: Node, *args: Any) -> Any:
            return await getattr(self.on(node), attr)(node, *args)

        main.__name__ = attr
        return main

    @property
    def checker(self) -> types.ModuleType:
        """An instance for the checker's own use (constants, pure functions like ``apply``)."""
        if self._checker is None:
            self._checker = self.instance()
        return self._checker

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.checker, name)


def sim_loader(path: Path, name: str) -> types.ModuleType:
    """``ChallengeSpec.program_loader`` of challenges 9-16: the grading child imports the file
    only behind the guard; an escape visible in the source fails before anything runs."""
    from challenges.sim.check import escape_violation

    program = SimProgram(path)
    if program.static:
        raise escape_violation(program, program.static)
    module = program.instance()
    if program.escapes:
        raise escape_violation(program, program.escapes)
    program.escapes.clear()
    return module
