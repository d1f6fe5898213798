"""The learner's program as the simulated world runs it: one fresh module per node.

Separate machines share no memory, so every simulated node gets its *own* instance of the
learner's module (its own module-level variables), created when the node boots and thrown
away when it crashes. Each fault seed starts from fresh instances too, so a run never depends
on what an earlier seed left behind. Every instance runs behind the guard
(:mod:`simworld.guard`)::

    program = SimProgram(path)
    world.node("scheduler-1", program.main("scheduler"), kv, storage)   # per-node instance
    program.on(node).publish(node, log, event)                         # from spec code
    program.LOCK_KEY                                                    # the checker's own instance
"""

from __future__ import annotations

import ast
import collections
import dis
import sys
import types
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simworld.guard import Escape, guarded_builtins, static_escapes, watching

if TYPE_CHECKING:
    from simworld.world import Node

__all__ = ["SimProgram", "sim_loader"]


class SimProgram:
    """See the module docstring."""

    def __init__(
        self,
        path: Path | str,
        source: str | None = None,
        *,
        _code: Any = None,
        _static: list[Escape] | None = None,
    ) -> None:
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
        self._node_instances: list[tuple[str, types.ModuleType, dict[str, str]]] = []
        """Every node's instance with the digest of its module-level state when it was made."""

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
        sys.modules[self.name] = (
            module  # dataclasses and enums look their module up while the class is made
        )
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
            self._node_instances.append((node.name, known[1], _state(known[1])))
            node.after_step = self._watch(node.name, known[1])
        return known[1]

    def _watch(self, node: str, module: types.ModuleType) -> Callable[[], None] | None:
        """A cheap check, after every step of the node's tasks, that its module-level containers
        and variables were not changed (None when the module has nothing to watch)."""
        watched = _watched(module, self.globals_declared)
        if not watched:
            return None
        start = [probe() for _, probe in watched]

        def check() -> None:
            for (name, probe), before in zip(watched, start, strict=True):
                if probe() != before:
                    escape = Escape(
                        _defined_at(self.path, name),
                        f"{node} changed the module-level variable {name}: machines share no "
                        "memory (keep a node's state in node.memory, share through a service)",
                    )
                    if escape not in self.escapes:
                        self.escapes.append(escape)
                    return

        return check

    @property
    def globals_declared(self) -> set[str]:
        """Names the code declares ``global`` somewhere (rebinding module-level variables)."""
        found = _DECLARED.get(self.code)
        if found is None:
            found = _DECLARED[self.code] = {n for const in _names_in(self.code) for n in const}
        return found

    def shared_state_escapes(self) -> list[Escape]:
        """Module-level state that node code changed: separate machines each have their own copy,
        so keeping (or sharing) state there is outside the simulated world."""
        found: list[Escape] = []
        for node, module, before in self._node_instances:
            after = _state(module)
            for name in sorted(before.keys() | after.keys()):
                if before.get(name) != after.get(name):
                    found.append(
                        Escape(
                            _defined_at(self.path, name),
                            f"{node} changed the module-level variable {name}: machines share no "
                            "memory (keep a node's state in node.memory, share through a service)",
                        )
                    )
                    return found
        return found

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


_CODE = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)


def _digest(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a learner's broken __repr__: identity is all we can compare
        text = f"<{type(value).__name__}>"
    return f"{id(value)}:{len(text)}:{hash(text)}"


def _state(module: types.ModuleType) -> dict[str, str]:
    """Digest of a module's variables and of its classes' data attributes (functions excluded)."""
    state: dict[str, str] = {}
    for name, value in list(vars(module).items()):
        if name.startswith("__") or isinstance(
            value, types.ModuleType | types.FunctionType | types.BuiltinFunctionType
        ):
            continue
        if isinstance(value, type):
            if getattr(value, "__module__", None) != module.__name__:
                continue
            for attr, member in list(vars(value).items()):
                if not attr.startswith("__") and not isinstance(
                    member, (*_CODE, staticmethod, classmethod, property)
                ):
                    state[f"{name}.{attr}"] = _digest(member)
            continue
        if type(value).__module__ == "simworld.guard" or isinstance(value, types.ModuleType):
            continue
        state[name] = _digest(value)
    return state


_DECLARED: dict[types.CodeType, set[str]] = {}
_CONTAINERS = (dict, list, set, bytearray, collections.deque)


def _probe(value: Any) -> Callable[[], Any]:
    """A cheap signature of a container: its size and the identity of its first and last items."""
    if isinstance(value, dict):

        def probe() -> Any:
            items = (
                list(value.items())
                if len(value) <= 16
                else [*list(value.items())[:8], *list(value.items())[-8:]]
            )
            return len(value), tuple((id(k), id(v)) for k, v in items)
    elif isinstance(value, list | collections.deque | bytearray):

        def probe() -> Any:
            n = len(value)
            return (
                n,
                tuple(id(value[i]) for i in range(min(n, 8))),
                tuple(id(value[i]) for i in range(max(0, n - 8), n)),
            )
    else:

        def probe() -> Any:
            return len(value), hash(frozenset(id(v) for v in value)) if len(value) <= 16 else 0

    return probe


def _watched(module: types.ModuleType, declared: set[str]) -> list[tuple[str, Callable[[], Any]]]:
    """(name, probe) for module-level containers, class-level containers and ``global`` names."""
    out: list[tuple[str, Callable[[], Any]]] = []
    namespace = vars(module)
    for name in declared:

        def identity(n: str = name) -> int:
            return id(namespace.get(n))

        out.append((name, identity))
    for name, value in list(namespace.items()):
        if name.startswith("__"):
            continue
        if isinstance(value, _CONTAINERS):
            out.append((name, _probe(value)))
        elif isinstance(value, type) and getattr(value, "__module__", None) == module.__name__:
            for attr, member in list(vars(value).items()):
                if not attr.startswith("__") and isinstance(member, _CONTAINERS):
                    out.append((f"{name}.{attr}", _probe(member)))
    return out


def _names_in(code: types.CodeType) -> list[set[str]]:
    """For each function in ``code`` (recursively), the module-level names it stores to."""
    found: list[set[str]] = []
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            stored = {
                i.argval
                for i in dis.get_instructions(const)
                if i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL")
            }
            if stored:
                found.append(stored)
            found.extend(_names_in(const))
    return found


def _defined_at(path: str, name: str) -> int | None:
    top = name.split(".")[0]
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == top for t in targets) or (
            isinstance(node, ast.ClassDef) and node.name == top
        ):
            return node.lineno
    return None


def sim_loader(path: Path, name: str) -> types.ModuleType:
    """``ChallengeSpec.program_loader`` of challenges 9-16: the grading child imports the file
    only behind the guard; an escape visible in the source fails before anything runs."""
    from simworld.check import escape_violation

    program = SimProgram(path)
    if program.static:
        raise escape_violation(program, program.static)
    module = program.instance()
    if program.escapes:
        raise escape_violation(program, program.escapes)
    program.escapes.clear()
    return module
