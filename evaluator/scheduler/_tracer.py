"""Preemption points inside the learner's file: every line, and single opcodes where it matters.

A line is one scheduling point, which hides races inside one line (``self.balance += x`` loads,
adds, then stores). So a cheap AST pass finds *shared names*: attributes, subscripted containers
and globals that functions other than ``__init__`` write. In code objects touching them, opcode
tracing is on; a store of a shared name that the same line loaded first gets its own preemption
point just before the store, and every access is recorded with its value (the race evidence).
"""

from __future__ import annotations

import ast
import dis
import linecache
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from evaluator.instrument._runtime import Named, file_kind
from evaluator.scheduler._controller import IO, OPAQUE, Controller, Step

__all__ = ["ProgramTracer", "shared_names"]

_MUTATORS = {
    "append",
    "appendleft",
    "extend",
    "insert",
    "pop",
    "popleft",
    "remove",
    "clear",
    "update",
    "setdefault",
    "add",
    "discard",
    "sort",
}


def shared_names(source: str) -> frozenset[str]:
    """Names written outside ``__init__``: attribute names, subscripted containers, globals."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    names: set[str] = set()

    def base_name(node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Name):
            return node.id
        return None

    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name == "__init__":
            continue
        declared = {
            n
            for node in ast.walk(fn)
            if isinstance(node, ast.Global | ast.Nonlocal)
            for n in node.names
        }
        for node in ast.walk(fn):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.attr)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
                name = base_name(node.value)
                if name:
                    names.add(name)
            elif (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Store)
                and node.id in declared
            ):
                names.add(node.id)
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                    name = base_name(node.func.value)
                    if name:
                        names.add(name)
                # An attribute handed to another function may be mutated there (heapq.heappush(self.heap, x)).
                names.update(arg.attr for arg in node.args if isinstance(arg, ast.Attribute))
    return frozenset(names)


@dataclass(frozen=True)
class _CodeInfo:
    ops: dict[int, _Access]
    """Opcode offset → shared access (value capture; maybe a preemption point before a store)."""
    racy_lines: frozenset[int]
    """Lines touching shared names: the only lines that are preemption points. A line that only
    touches locals commutes with every other thread's steps, so preempting there adds nothing."""
    io_lines: frozenset[int] = frozenset()
    """Lines that call I/O (their steps touch the shared file system)."""


@dataclass(frozen=True)
class _Access:
    action: str
    """"read" or "write"."""
    name: str
    owner: str | None
    """Dotted expression of the object holding the attribute/container ("self"), None for globals."""
    key: str | None
    """Subscript key expression, for container accesses."""
    line: int
    yield_before: bool


_LOADS = {
    "LOAD_ATTR": "attr",
    "LOAD_GLOBAL": "global",
    "LOAD_NAME": "global",
    "LOAD_DEREF": "global",
}
_STORES = {
    "STORE_ATTR": "attr",
    "STORE_GLOBAL": "global",
    "STORE_NAME": "global",
    "STORE_DEREF": "global",
}


def _starts_line(ins: dis.Instruction) -> int | None:
    """The line an instruction starts, or None (3.13 made ``starts_line`` a flag, see ``line_number``)."""
    start: int | bool | None = ins.starts_line
    if isinstance(start, bool):
        line: int | None = getattr(ins, "line_number", None)
        return line if start else None
    return start


def _accesses(code: CodeType, shared: frozenset[str], filename: str) -> dict[int, _Access]:
    ops: dict[int, _Access] = {}
    line = code.co_firstlineno
    loaded_on_line: set[str] = set()
    for ins in dis.get_instructions(code):
        starts = _starts_line(ins)
        if starts is not None:
            line = starts
            loaded_on_line = set()
        source = linecache.getline(filename, line)
        kind = _LOADS.get(ins.opname) or _STORES.get(ins.opname)
        store = ins.opname in _STORES
        if kind and isinstance(ins.argval, str) and ins.argval in shared:
            name = ins.argval
            owner = None
            if kind == "attr":
                match = re.search(r"([A-Za-z_][\w.]*)\." + re.escape(name) + r"\b", source)
                owner = match.group(1) if match else None
            ops[ins.offset] = _Access(
                "write" if store else "read",
                name,
                owner,
                None,
                line,
                yield_before=store and name in loaded_on_line,
            )
            if not store:
                loaded_on_line.add(name)
        elif ins.opname in ("LOAD_METHOD", "LOAD_ATTR") and ins.argval == "get":  # 3.12+: LOAD_ATTR
            match = re.search(r"([A-Za-z_][\w.]*)\.get\(\s*([^,()]+)", source)
            if match and match.group(1).rsplit(".", 1)[-1] in shared:
                owner = match.group(1)
                ops[ins.offset] = _Access(
                    "read",
                    owner.rsplit(".", 1)[-1],
                    owner,
                    match.group(2).strip(),
                    line,
                    yield_before=False,
                )
                loaded_on_line.add(f"{owner}[]")
        elif ins.opname in ("BINARY_SUBSCR", "STORE_SUBSCR"):
            match = re.search(r"([A-Za-z_][\w.]*)\[([^\[\]]+)\]", source)
            if match and match.group(1).rsplit(".", 1)[-1] in shared:
                owner, key = match.group(1), match.group(2).strip()
                store = ins.opname == "STORE_SUBSCR"
                token = f"{owner}[]"
                base = owner.rsplit(".", 1)[-1]
                loaded = token in loaded_on_line or base in loaded_on_line
                ops[ins.offset] = _Access(
                    "write" if store else "read",
                    base,
                    owner,
                    key,
                    line,
                    yield_before=store and loaded,
                )
                if not store:
                    loaded_on_line.add(token)
    return ops


_IO_CALL = re.compile(
    r"(?:\bopen|\.(?:open|write|writelines|write_text|write_bytes|read|read_text|read_bytes|readline|"
    r"replace|rename|unlink|remove|rmdir|mkdir|truncate|flush|send|sendall|recv|connect|fsync)"
    r"|\brandom\.\w+|\b(?:randint|randrange|uniform|choice|choices|shuffle|sample|gauss|getrandbits))\s*\("
)
"""Calls that touch state shared with every other thread that no name shows: the file system, a
socket, the process-wide random generator. Two threads' calls do not commute even when the
Python names involved are local."""


def _io_lines(code: CodeType, filename: str) -> set[int]:
    """Lines of ``code`` that call I/O (preemption points like accesses to shared names)."""
    lines = set()
    for ins in dis.get_instructions(code):
        if ins.starts_line is not None and _IO_CALL.search(
            linecache.getline(filename, ins.starts_line)
        ):
            lines.add(ins.starts_line)
    return lines


_MISSING = object()


def _lookup(expr: str, frame: FrameType) -> Any:
    head, *rest = expr.split(".")
    value = frame.f_locals.get(head, frame.f_globals.get(head, _MISSING))
    for part in rest:
        if value is _MISSING:
            break
        value = getattr(value, part, _MISSING)
    return value


def _key_value(expr: str, frame: FrameType) -> Any:
    try:
        return ast.literal_eval(expr)
    except (ValueError, SyntaxError):
        return _lookup(expr, frame)


_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), range, frozenset)


def _immutable(value: Any) -> bool:
    """Can nothing reached through ``value`` change (so loading it is a pure read)?"""
    if type(value) in _IMMUTABLE:
        return True
    return type(value) is tuple and all(_immutable(item) for item in value)


def _builtin_base(kind: type) -> bool:
    """Does a learner class inherit a builtin container's state (``class Cache(OrderedDict)``)?"""
    return any(
        base.__module__ in ("builtins", "collections") and base is not object
        for base in kind.__mro__[1:]
    )


def _shown(value: Any, subscript: bool) -> str | None:
    if value is _MISSING:
        return "(missing)" if subscript else None
    return _short(value)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _short(value: Any) -> str:
    text = _ADDRESS.sub(
        "", repr(value)
    )  # addresses differ between runs; replays must read the same
    return text if len(text) <= 40 else text[:37] + "..."


def _allow_opcode_events() -> None:
    """Let later ``sys.settrace`` calls deliver opcode events (needed on 3.12 only).

    3.12's ``sys.settrace`` asks for per-instruction events only once some frame has set
    ``f_trace_opcodes`` (an interpreter-wide flag); without this it delivers none. 3.11 delivers
    them per frame and 3.13 instruments per code object once ``f_trace`` is set first, so only
    3.12 pays for the flag (it can slow the whole grading process there).
    """
    frame = sys._getframe()
    frame.f_trace_opcodes = True
    frame.f_trace_opcodes = False


_ANALYSES: dict[tuple[str, int, int, int], tuple[frozenset[str], dict[CodeType, _CodeInfo]]] = {}
"""Per file version (path, mtime, ctime, size): its shared names and analysed code objects, so the
checks of one grading analyse the learner's file once, not once per check."""


def _stop_opcode_events(frame: FrameType | None) -> None:
    """Clear ``f_trace_opcodes`` on ``frame`` and its callers: an exception is leaving the tracer.

    When a trace function raises (``Abort`` when a run ends with the thread inside the learner's
    code), CPython turns tracing off for the thread, but 3.12.1 still delivers opcode events to its
    frames that asked for them while the exception unwinds (a ``with`` block's cleanup) and calls
    the now missing trace function: a segmentation fault. Frames that no longer ask get none.
    """
    while frame is not None:
        frame.f_trace_opcodes = False
        frame = frame.f_back


class ProgramTracer:
    """Builds the per-thread trace function for one learner file (analysis cached across runs)."""

    def __init__(self, program_path: Path) -> None:
        self.path = os.path.realpath(program_path)
        self.basename = os.path.basename(self.path)
        try:
            info = os.stat(self.path)
            version = (self.path, info.st_mtime_ns, info.st_ctime_ns, info.st_size)
        except OSError:
            version = (self.path, -1, -1, -1)
        analysis = _ANALYSES.get(version)
        if analysis is None:
            try:
                source = Path(self.path).read_text(encoding="utf-8")
            except OSError:
                source = ""
            analysis = _ANALYSES[version] = (shared_names(source), {})
        self.shared, self._code = analysis
        self._is_program: dict[str, bool] = {}
        self._is_opaque: dict[str, bool] = {}
        self._inert_types: dict[type, bool] = {}

    def _info(self, code: CodeType) -> _CodeInfo | None:
        filename = code.co_filename
        mine = self._is_program.get(filename)
        if mine is None:
            mine = self._is_program[filename] = os.path.realpath(filename) == self.path
        if not mine:
            return None
        info = self._code.get(code)
        if info is None:
            ops = _accesses(code, self.shared, filename)
            io_lines = _io_lines(code, filename)
            lines = {op.line for op in ops.values()} | io_lines
            info = self._code[code] = _CodeInfo(ops, frozenset(lines), frozenset(io_lines))
        return info

    def _inert(self, value: Any) -> bool:
        """Is loading ``value`` a pure read? Yes for immutable values, instrumented primitives and
        objects of the learner's own classes (their state changes through traced attributes or
        instrumented operations); no for containers and anything else whose state could change
        through the reference untraced (``self.items.append(x)``, ``next(self.counter)``)."""
        if _immutable(value):
            return True
        kind = type(value)
        inert = self._inert_types.get(kind)
        if inert is None:
            module = sys.modules.get(kind.__module__)
            defined_in = os.path.realpath(getattr(module, "__file__", None) or "?")
            inert = isinstance(value, Named) or (
                defined_in == self.path and not _builtin_base(kind)
            )
            self._inert_types[kind] = inert
        return inert

    def _opaque(self, code: CodeType) -> bool:
        """Code outside the learner's file that keeps shared state the grader cannot see:
        third-party libraries and the simulated world. The standard library's shared state is
        behind instrumented locks, and scenario code (a spec) is written to keep its own state
        per thread or behind a lock, so neither is opaque."""
        opaque = self._is_opaque.get(code.co_filename)
        if opaque is None:
            path = os.path.realpath(code.co_filename)
            opaque = file_kind(code.co_filename) == "user" and (
                "site-packages" in path or f"{os.sep}simworld{os.sep}" in path
            )
            self._is_opaque[code.co_filename] = opaque
        return opaque

    def trace_function(self, ctl: Controller) -> Callable[..., Any]:
        """A ``sys.settrace`` function for managed threads under ``ctl``."""
        basename = self.basename
        if sys.version_info[:2] == (3, 12):
            _allow_opcode_events()

        def flush(rec: Any) -> None:
            pending = rec.pending
            if pending is None:
                return
            rec.pending = None
            access, frame = pending
            if access.owner is None:
                value = frame.f_globals.get(access.name, _MISSING)
                expr, key = access.name, (0, access.name)
            else:
                owner = _lookup(access.owner, frame)
                if access.key is None:
                    value = getattr(owner, access.name, _MISSING)
                    expr, key = f"{access.owner}.{access.name}", (id(owner), access.name)
                else:
                    key_value = _key_value(access.key, frame)
                    try:
                        value = owner[key_value]
                    except Exception:
                        value = _MISSING
                    expr, key = f"{access.owner}[{_short(key_value)}]", (id(owner), repr(key_value))
            ctl.record_access(
                Step(
                    rec.tid,
                    rec.name,
                    f"{basename}:{access.line}",
                    access.action,
                    expr,
                    _shown(value, access.key is not None),
                    key,
                )
            )
            # For partial-order reduction: by name (``k in self.d`` and ``self.d[k] = v`` must not
            # commute), and a load counts as a write unless the value is immutable: reading
            # ``self.items`` may be ``self.items.append(x)`` or ``next(self.counter)``.
            ctl.touch(("name", access.name), access.action == "write" or not self._inert(value))

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            try:
                if ctl.aborting:
                    return None
                rec = ctl.current()
                if rec is None:
                    return local
                if rec.pending is not None:
                    flush(rec)
                if event == "line":
                    rec.last_line = frame.f_lineno
                    info = self._code.get(frame.f_code)
                    if info is not None and frame.f_lineno in info.racy_lines:
                        ctl.preempt(rec)
                        if frame.f_lineno in info.io_lines:
                            ctl.touch(IO)
                elif event == "return":
                    rec.last_line = None
                elif event == "opcode":
                    info = self._code.get(frame.f_code)
                    access = info.ops.get(frame.f_lasti) if info is not None else None
                    if access is not None:
                        if access.yield_before:
                            ctl.preempt(rec)
                        rec.pending = (access, frame)
                return local
            except BaseException:
                _stop_opcode_events(frame)  # CPython is about to turn this thread's tracing off
                raise

        def opaque(frame: FrameType, event: str, arg: Any) -> Any:
            ctl.touch(
                OPAQUE
            )  # library or simulated-world code with hidden state: never assumed to commute
            return opaque

        def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
            if event != "call" or ctl.aborting:
                return None
            info = self._info(frame.f_code)
            if info is None:
                if self._opaque(frame.f_code):
                    ctl.touch(OPAQUE)
                    return opaque
                return None
            if info.ops:
                frame.f_trace = (
                    local  # 3.13: opcode events reach this very call only if f_trace is set first
                )
                frame.f_trace_opcodes = True
            return local

        return global_trace
