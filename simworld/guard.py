"""The wall around the simulated world: what a learner's module may import and touch.

A learner's program runs inside the world only if it reaches other machines through messages.
Everything else is *outside the simulated world* and fails the grading with an
``outside-world`` finding naming the learner's line:

* importing the checker, the spec, the grader or the world's internals
  (``simworld.check``, ``properties``, ``nemesis``, ``linearizability``, ``evaluator``...);
* reaching the interpreter or the OS (``gc``, ``inspect``, ``ctypes``, ``importlib``, ``os``,
  threads, files, the wall clock; ``sys`` is reduced to ``argv``/``exit``/streams);
* reading internals of sim objects (``node._world``, ``client._service``, frames, closures,
  ``__globals__``, ``__subclasses__``...), patching an imported module or class, sending a
  function or a node over the network, or scheduling work after the run ended.

Detection is static (an AST scan of the file before it runs, :func:`static_escapes`) and at
run time (guarded builtins and import, :func:`guarded_builtins`); a runtime escape is recorded
even if the learner's code catches the exception.
"""

from __future__ import annotations

import ast
import builtins
import random
import sys
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Escape", "OutsideWorld", "guarded_builtins", "outside", "static_escapes", "watching"]


class OutsideWorld(Exception):
    """The learner's code stepped outside the simulated world (also recorded by the guard)."""


@dataclass(frozen=True)
class Escape:
    """One way the program stepped outside the world, at ``line`` of the learner's file."""

    line: int | None
    what: str

    def describe(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.what}"


SIM_PACKAGE = "simworld"
"""The simulated world's package: its public modules are the only imports a program may make."""
_FORMER_PACKAGE = "challenges.sim"
"""Where the world lived before it was its own package (a learner's older copy may import it)."""
SIM_PUBLIC_MODULES = frozenset(
    {
        "simworld",
        "simworld.world",
        "simworld.network",
        "simworld.kv",
        "simworld.log",
        "simworld.storage",
        "simworld.apps",
        "simworld.sync",
        "simworld.history",
    }
)
"""The sim API a learner may import (names only: each comes back as a read-only view)."""
DEMO = "challenges.demo"
"""``from challenges.demo import run_demo`` (what a program's ``main`` does) and nothing else."""

DENIED_MODULES = frozenset(
    {
        "gc",
        "inspect",
        "ctypes",
        "importlib",
        "builtins",
        "marshal",
        "pickle",
        "copyreg",
        "code",
        "codeop",
        "pdb",
        "bdb",
        "trace",
        "tracemalloc",
        "faulthandler",
        "sysconfig",
        "site",
        "runpy",
        "pkgutil",
        "zipimport",
        "atexit",
        "resource",
        "signal",
        "subprocess",
        "multiprocessing",
        "threading",
        "concurrent",
        "mmap",
        "pty",
        "fcntl",
        "posix",
        "nt",
        "os",
        "socket",
        "ssl",
        "selectors",
        "select",
        "shutil",
        "tempfile",
        "io",
        "pathlib",
        "traceback",
        "linecache",
        "dis",
        "asyncio",
        "time",
        "sched",
        "queue",
        "shelve",
        "dbm",
        "sqlite3",
        "http",
        "urllib",
        "webbrowser",
        "ftplib",
        "smtplib",
        "evaluator",
        "solutions",
        "tracker",
        "interactive",
        "practical",
        "benchmarks",
        "tests",
        "usererror",
        "cli",
        "cli_commands",
        "cli_entry",
        "cli_help",
        "cli_render",
        "staticmeta",
        "examples",
    }
)
"""Top-level modules that reach outside the world (the OS, the interpreter, the grader)."""

SYS_ALLOWED = frozenset(
    {
        "argv",
        "exit",
        "maxsize",
        "version_info",
        "version",
        "stdout",
        "stderr",
        "platform",
        "byteorder",
        "float_info",
        "int_info",
        "hexversion",
        "intern",
        "getsizeof",
        "getrecursionlimit",
    }
)

FRAME_ATTRS = frozenset(
    {
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "tb_frame",
        "tb_next",
        "gi_code",
        "cr_code",
        "cr_await",
        "gi_yieldfrom",
    }
)
DANGEROUS_DUNDERS = frozenset(
    {
        "__globals__",
        "__closure__",
        "__code__",
        "__subclasses__",
        "__bases__",
        "__base__",
        "__mro__",
        "__self__",
        "__func__",
        "__builtins__",
        "__getattribute__",
        "__reduce__",
        "__reduce_ex__",
        "__traceback__",
        "__wrapped__",
        "__defaults__",
        "__kwdefaults__",
        "__loader__",
        "__spec__",
        "__import__",
        "__dict__",
        "__weakref__",
        "__objclass__",
        "__init_subclass__",
    }
)
SIM_INTERNALS = frozenset(
    {
        "_world",
        "_service",
        "_node",
        "_coro",
        "_callbacks",
        "_queue",
        "_main",
        "_args",
        "_history",
        "_network",
        "_program",
        "_generation",
        "_items",
        "_getters",
        "_putters",
        "_tasks",
        "_windows",
        "_data",
        "_docs",
        "_status",
        "_by_key",
        "_offsets",
        "_members",
        "_result",
        "_error",
        "_done",
        "_step",
        "_wake",
        "_fire",
        "_sim",
    }
)
"""Private attributes of sim objects (Node, Client, Task, Future, Queue, services)."""
NAMED_INTERNALS = frozenset(
    {
        "_world",
        "_service",
        "_node",
        "_coro",
        "_callbacks",
        "_history",
        "_network",
        "_program",
        "_tasks",
        "_main",
        "__globals__",
        "__closure__",
        "__code__",
        "__subclasses__",
        "__builtins__",
        "__dict__",
        "__getattribute__",
        "f_back",
        "f_globals",
        "f_locals",
        "gi_frame",
        "cr_frame",
        "tb_frame",
    }
)
"""Names that, written as a string (``attrgetter("_service")``, ``getattr(x, "__dict__")``),
only serve to reach the world's internals."""
FORBIDDEN_CALLS = frozenset(
    {"eval", "exec", "compile", "__import__", "breakpoint", "open", "input"}
)


def _forbidden_attr(name: str) -> str | None:
    if name in DANGEROUS_DUNDERS:
        return f"reads {name} (interpreter internals)"
    if name in FRAME_ATTRS:
        return f"reads {name} (stack frames of other code)"
    if name in SIM_INTERNALS:
        return f"reads {name} (an internal of the simulated world)"
    return None


# --- the runtime recorder -------------------------------------------------------------------

_WATCHED: list[Any] = []
"""Stack of programs being run (objects with ``path`` and ``escapes``)."""


class watching:
    """``with watching(program):`` runtime escapes of ``program`` are recorded on it."""

    def __init__(self, program: Any) -> None:
        self.program = program

    def __enter__(self) -> Any:
        _WATCHED.append(self.program)
        return self.program

    def __exit__(self, *exc: object) -> None:
        _WATCHED.remove(self.program)


def _learner_line(path: str) -> int | None:
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


def learner_on_stack() -> bool:
    """Is the watched program's code among the callers?"""
    return bool(_WATCHED) and _learner_line(_WATCHED[-1].path) is not None


def outside(what: str) -> OutsideWorld:
    """Record an escape of the program being run at the learner's current line; return the error
    to raise (``raise outside("...")``)."""
    if _WATCHED:
        program = _WATCHED[-1]
        escape = Escape(_learner_line(program.path), what)
        if escape not in program.escapes:
            program.escapes.append(escape)
    return OutsideWorld(f"outside the simulated world: {what}")


# --- static scan ----------------------------------------------------------------------------


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def static_escapes(tree: ast.AST) -> list[Escape]:
    """Escapes visible in the source, in line order (see module docstring)."""
    found: list[Escape] = []
    imported = _imported_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append(
                    Escape(node.lineno, "a relative import (only the sim API may be imported)")
                )
                continue
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                why = import_denied(module)
                if why:
                    found.append(Escape(node.lineno, why))
            if (isinstance(node, ast.Import) and any(a.name == DEMO for a in node.names)) or (
                isinstance(node, ast.ImportFrom)
                and node.module == DEMO
                and any(a.name != "run_demo" for a in node.names)
            ):
                found.append(
                    Escape(
                        node.lineno,
                        f"imports from {DEMO} more than run_demo (the checker's internals)",
                    )
                )
            if isinstance(node, ast.ImportFrom) and node.module in SIM_PUBLIC_MODULES:
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(
                            Escape(
                                node.lineno,
                                f"imports {alias.name} (an internal of the simulated world)",
                            )
                        )
        elif isinstance(node, ast.Attribute):
            base = _root_name(node.value)
            why = _forbidden_attr(node.attr)
            if why and not (node.attr in SIM_INTERNALS and base in ("self", "cls")):
                found.append(Escape(node.lineno, why))
            elif isinstance(node.ctx, ast.Store | ast.Del) and base in imported:
                found.append(
                    Escape(
                        node.lineno, f"patches {ast.unparse(node)} (a module or class it imported)"
                    )
                )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in NAMED_INTERNALS
        ):
            found.append(
                Escape(node.lineno, f"names {node.value!r} (an internal of the simulated world)")
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS and node.func.id not in imported:
                found.append(
                    Escape(node.lineno, f"calls {node.func.id}() (code or files outside the world)")
                )
            elif (
                node.func.id in ("setattr", "delattr")
                and node.args
                and _root_name(node.args[0]) in imported
            ):
                found.append(
                    Escape(
                        node.lineno, f"patches {ast.unparse(node.args[0])} with {node.func.id}()"
                    )
                )
    return sorted(set(found), key=lambda e: (e.line or 0, e.what))


def import_denied(module: str) -> str | None:
    """Why importing ``module`` steps outside the world (None: allowed)."""
    top = module.split(".")[0]
    if module == _FORMER_PACKAGE or module.startswith(_FORMER_PACKAGE + "."):
        now = (
            DEMO
            if module == _FORMER_PACKAGE + ".demo"
            else module.replace(_FORMER_PACKAGE, SIM_PACKAGE, 1)
        )
        return (
            f"imports {module}, the simulated world's former name: import it from {now} "
            "(e.g. `from simworld import Client, Node`)"
        )
    if top in (SIM_PACKAGE, "challenges"):
        if module in SIM_PUBLIC_MODULES or module == DEMO:
            return None
        return f"imports {module} (the checker, a spec or the world's internals)"
    if top in DENIED_MODULES and top not in ("sys",):
        if top in ("time", "asyncio", "threading", "queue", "sched"):
            return f"imports {module} (real time and threads are outside the world: use node.now, node.sleep, sim Queue)"
        return f"imports {module} (the interpreter, the OS or the grader are outside the world)"
    if top.startswith("_") and top != "__future__":
        return f"imports {module} (an interpreter internal)"
    return None


# --- runtime: views and guarded builtins ----------------------------------------------------


_REAL: weakref.WeakKeyDictionary[
    types.ModuleType, tuple[types.ModuleType, Callable[[str], bool] | None]
] = weakref.WeakKeyDictionary()
"""View -> (the real module, which public names it shows); kept outside the view itself."""


class _View(types.ModuleType):
    """A read-only view of a module: public names only, no assignment."""

    def __init__(
        self, real: types.ModuleType, allowed: Callable[[str], bool] | None = None
    ) -> None:
        super().__init__(real.__name__)
        _REAL[self] = (real, allowed)

    def __getattr__(self, name: str) -> Any:
        real, allowed = _REAL[self]
        if name.startswith("_"):
            raise outside(f"reads {real.__name__}.{name} (an internal)")
        if allowed is not None and not allowed(name):
            raise outside(f"uses {real.__name__}.{name} (outside the simulated world)")
        value = getattr(real, name)
        if isinstance(value, types.ModuleType):
            child = f"{real.__name__}.{name}"
            why = import_denied(child)
            if why:
                raise outside(why)
            return _View(value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise outside(f"patches {_REAL[self][0].__name__}.{name}")

    def __delattr__(self, name: str) -> None:
        raise outside(f"patches {_REAL[self][0].__name__}.{name}")


def _sys_view() -> _View:
    return _View(sys, lambda name: name in SYS_ALLOWED)


def _uuid_view() -> types.ModuleType:
    import uuid

    view = types.ModuleType("uuid")
    view.__dict__.update({k: v for k, v in vars(uuid).items() if not k.startswith("_")})
    view.uuid4 = lambda: uuid.UUID(int=random.getrandbits(128), version=4)  # type: ignore[attr-defined]
    view.uuid1 = view.uuid4  # type: ignore[attr-defined]
    return view


def _secrets_view() -> types.ModuleType:
    view = types.ModuleType("secrets")
    view.token_hex = lambda n=16: random.getrandbits(8 * n).to_bytes(n, "big").hex()  # type: ignore[attr-defined]
    view.token_bytes = lambda n=16: random.getrandbits(8 * n).to_bytes(n, "big")  # type: ignore[attr-defined]
    view.token_urlsafe = view.token_hex  # type: ignore[attr-defined]
    view.randbelow = lambda n: random.randrange(n)  # type: ignore[attr-defined]
    view.choice = random.choice  # type: ignore[attr-defined]
    return view


def _guarded_import(
    name: str,
    globals: dict[str, Any] | None = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    if level:
        raise outside("a relative import (only the sim API may be imported)")
    why = import_denied(name)
    if name == "sys" or name.startswith("sys."):
        return _sys_view()
    if why:
        raise outside(why)
    if name == "uuid":
        return _uuid_view()
    if name == "secrets":
        return _secrets_view()
    module = builtins.__import__(name, globals, locals, fromlist, level)
    if name == DEMO or name.split(".")[0] == SIM_PACKAGE:
        if fromlist:
            for item in fromlist:
                if item.startswith("_"):
                    raise outside(f"imports {name}.{item} (an internal of the simulated world)")
            real = sys.modules[name]
            if name == DEMO:
                return _View(real, lambda attr: attr == "run_demo")
            return _View(
                real,
                lambda attr: (
                    f"{name}.{attr}" in SIM_PUBLIC_MODULES
                    or not isinstance(getattr(real, attr, None), types.ModuleType)
                ),
            )
        if name == DEMO:  # `import challenges.demo` binds the package: show only `demo`
            return _View(module, lambda attr: attr == "demo")
        return _View(module)
    return module


def _sim_object(obj: Any) -> bool:
    if isinstance(obj, _View):
        return True
    owner = obj if isinstance(obj, type | types.ModuleType) else type(obj)
    module = (
        getattr(owner, "__module__", None)
        if isinstance(owner, type)
        else getattr(owner, "__name__", "")
    )
    return str(module or "").split(".")[0] in (SIM_PACKAGE, "challenges")


def _guard_name(obj: Any, name: Any) -> None:
    if isinstance(name, str):
        why = _forbidden_attr(name)
        if why or (name.startswith("_") and not name.startswith("__") and _sim_object(obj)):
            raise outside(why or f"reads {name} (an internal of the simulated world)")


def _getattr(obj: Any, name: str, *default: Any) -> Any:
    _guard_name(obj, name)
    return getattr(obj, name, *default)


def _hasattr(obj: Any, name: str) -> bool:
    _guard_name(obj, name)
    return hasattr(obj, name)


def _setattr(obj: Any, name: str, value: Any) -> None:
    _guard_name(obj, name)
    if isinstance(obj, types.ModuleType | type) and _sim_object(obj):
        raise outside(f"patches {getattr(obj, '__name__', obj)}.{name}")
    setattr(obj, name, value)


def _delattr(obj: Any, name: str) -> None:
    _guard_name(obj, name)
    delattr(obj, name)


def _vars(*args: Any) -> Any:
    if args and (_sim_object(args[0]) or isinstance(args[0], types.ModuleType | type)):
        raise outside("reads vars() of a sim object, a module or a class")
    return vars(*args)


def _forbidden(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise outside(f"calls {name}() (code or files outside the world)")

    return call


def guarded_builtins() -> dict[str, Any]:
    """The ``__builtins__`` of a learner's module instance."""
    guarded = dict(vars(builtins))
    guarded.update(
        __import__=_guarded_import,
        getattr=_getattr,
        hasattr=_hasattr,
        setattr=_setattr,
        delattr=_delattr,
        vars=_vars,
    )
    for name in FORBIDDEN_CALLS - {"__import__"}:
        guarded[name] = _forbidden(name)
    return guarded
