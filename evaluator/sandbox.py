"""Run untrusted Python in a child process that cannot hang, flood or outlive the grader.

One call of :func:`run_sandboxed` = one supervised run:

* a supervisor (:mod:`evaluator._jail`) in a new session, subreaper of everything the
  learner's code spawns; the child runs in a fresh temporary working directory with rlimits
  (address space, CPU seconds, open files, file size, processes, no core dumps) and a
  scrubbed environment;
* as root, the child runs under a fresh unprivileged uid (so ``RLIMIT_NPROC`` applies and it
  cannot touch the learner's files) with private directories such as ``/root`` hidden;
* the grader's own modules are imported from bytecode the parent compiled
  (:mod:`evaluator._bytecode`): readable, never writable by the child;
* stdout/stderr are drained without blocking and capped; the structured result comes back
  on a dedicated pipe (``pass_fds``), never on stdout; a failure to start the program
  (:attr:`SandboxResult.start_error`, a grader error) on another one the program never holds;
* at the deadline the child is asked for every thread's and asyncio task's stack, gets
  ~0.5 s to write them, then the whole tree is killed. A verdict is back within
  ``deadline + 2 s`` and no process is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator import _bytecode, _procs

__all__ = ["REPO_ROOT", "Limits", "SandboxResult", "run_sandboxed"]

REPO_ROOT = Path(__file__).resolve().parent.parent
_JAIL = Path(__file__).resolve().parent / "_jail.py"
_DUMP_GRACE_S = 0.5
"""How long the child has to write its stacks after the deadline before the tree is killed."""
_OUTPUT_CAP = 64 * 1024
"""Bytes of stdout and of stderr kept each: enough for a traceback and the program's last lines;
a program that floods its output cannot fill the grader's memory."""
_RESULT_CAP = 8 * 1024 * 1024
"""Bytes of structured result kept (a grade's JSON is a few KiB; findings with long evidence
and the visualizer's streamed events need room, a runaway writer does not get more)."""
STACKS_JSON = "stacks.json"
"""Written by the child when asked on its dump pipe: threads' and asyncio tasks' Python stacks."""
STACKS_TEXT = "stacks.txt"
"""Written by faulthandler on SIGUSR1 (works even when the child is stuck in C code)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child (per process; processes also per uid)."""

    address_space: int = 2 * 1024**3
    open_files: int = 256
    file_size: int = 64 * 1024**2
    processes: int = 128
    """Extra processes/threads the child may create (RLIMIT_NPROC margin)."""


@dataclass(frozen=True)
class SandboxResult:
    """How a sandboxed run ended."""

    exit_code: int | None
    """Exit status of the child (``128 + N`` when killed by signal N); None if it never started."""
    stdout: str
    stderr: str
    timed_out: bool
    stacks: str
    """Python stacks of every thread and asyncio task at the deadline (empty otherwise)."""
    stacks_data: dict[str, Any] = field(default_factory=dict)
    """The same stacks, structured: ``{"threads": [...], "tasks": [...]}``."""
    result: dict[str, Any] | None = None
    """JSON the child wrote on the result pipe, if any."""
    seconds: float = 0.0
    output_truncated: bool = False
    start_error: str | None = None
    """Why the sandbox could not start the program (limits, identity or exec failed): an
    internal failure of the grader, never the learner's; None when the program started."""

    @property
    def signal(self) -> int | None:
        """The signal that killed the child, if any."""
        if self.exit_code is not None and self.exit_code > 128:
            return self.exit_code - 128
        return None


def _unprivileged_ids() -> tuple[int, int] | None:
    """A fresh uid (and gid) for the child when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    running = _procs.uids_in_use()
    rng = random.Random()
    while True:
        uid = rng.randrange(200_000, 2_000_000)
        if uid not in running:
            return uid, uid


def _blocked_ancestor(path: Path) -> Path | None:
    """The highest ancestor of ``path`` that others cannot traverse, if any."""
    for parent in reversed(path.parents):
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            return parent
    return None


def _masks(readable: list[Path]) -> list[list[Any]]:
    """Directories to hide behind a tmpfs, with the paths (under them) to bind back."""
    masks: dict[Path, list[str]] = {}
    for path in readable:
        blocked = _blocked_ancestor(path)
        if blocked is not None:
            masks.setdefault(blocked, []).append(str(path))
    return [[str(blocked), _outermost(keeps)] for blocked, keeps in masks.items()]


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside another one of the list (binding the outer one covers them)."""
    return sorted(
        p for p in set(paths) if not any(p != q and Path(p).is_relative_to(q) for q in paths)
    )


def _python_roots() -> list[Path]:
    """Directories the child's interpreter must be able to read."""
    roots = {
        Path(sys.base_prefix).resolve(),
        Path(sys.prefix).resolve(),
        REPO_ROOT,
        Path(os.path.realpath(sys.executable)).parent,
    }
    return sorted(roots)


def _rlimits(limits: Limits, deadline_s: float, uid: int | None) -> dict[str, tuple[int, int]]:
    cpu = int(2 * deadline_s) + 2  # threads on 2 cores may burn 2 CPU-seconds per second
    nproc = _procs.tasks_of_uid(os.getuid()) + limits.processes if uid is None else limits.processes
    return {
        "RLIMIT_AS": (limits.address_space, limits.address_space),
        "RLIMIT_CPU": (cpu, cpu + 2),
        "RLIMIT_NOFILE": (limits.open_files, limits.open_files),
        "RLIMIT_FSIZE": (limits.file_size, limits.file_size),
        "RLIMIT_NPROC": (nproc, nproc),
        "RLIMIT_CORE": (0, 0),
    }


def child_env(seed: int) -> dict[str, str]:
    """The scrubbed environment of the child: nothing of ours leaks in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONHASHSEED": str(seed % 4_294_967_295),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class _Collector:
    """Drains the child's pipes without ever blocking, keeping at most ``cap`` bytes each
    (or handing each chunk of a stream to its ``sinks`` callback instead of keeping it)."""

    def __init__(
        self,
        streams: dict[str, int],
        caps: dict[str, int],
        sinks: dict[str, Callable[[bytes], None]] | None = None,
    ) -> None:
        self.selector = selectors.DefaultSelector()
        self.data: dict[str, bytearray] = {name: bytearray() for name in streams}
        self.caps = caps
        self.sinks = sinks or {}
        self.truncated = False
        for name, fd in streams.items():
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, name)

    def pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(max(0.0, timeout)):
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.selector.unregister(key.fd)
                continue
            sink = self.sinks.get(key.data)
            if sink is not None:
                sink(chunk)
                continue
            buffer = self.data[key.data]
            room = self.caps[key.data] - len(buffer)
            if room > 0:
                buffer += chunk[:room]
            if len(chunk) > room:
                self.truncated = True

    def drain_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.selector.get_map() and time.monotonic() < end:
            self.pump(end - time.monotonic())

    def close(self) -> None:
        for key in list(self.selector.get_map().values()):
            os.close(key.fd)
        self.selector.close()


def _read_stacks(workdir: Path) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = {}
    try:
        data = json.loads((workdir / STACKS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    text = ""
    with contextlib.suppress(OSError):
        text = (workdir / STACKS_TEXT).read_text(encoding="utf-8", errors="replace")
    if data:
        from evaluator.stacks import format_stacks

        text = format_stacks(data)
    return text, data


def run_sandboxed(
    module: str,
    request: dict[str, Any],
    *,
    files: dict[str, Path],
    deadline_s: float,
    seed: int = 0,
    limits: Limits = Limits(),
    on_result: Callable[[bytes], None] | None = None,
    cancel: threading.Event | None = None,
) -> SandboxResult:
    """Run ``python -m MODULE request.json`` in the sandbox.

    Args:
        module: the child's entry module (e.g. ``evaluator.harness``).
        request: JSON the child reads from ``request.json`` in its working directory; the
            keys ``result_fd``, ``stacks_json`` and ``stacks_text`` are added.
        files: name (relative path in the working directory) -> file or folder to copy in.
        deadline_s: wall-clock budget; then stacks are dumped and everything is killed.
        seed: makes ``PYTHONHASHSEED`` reproducible.
        on_result: streams the result pipe: each chunk goes to this callback as it arrives
            (the visualizer's event stream) instead of being collected into ``result``.
        cancel: when set, the run is stopped early like at the deadline (the viewer closed).
    """
    start = time.monotonic()
    if _bytecode.enabled():
        _bytecode.ensure(REPO_ROOT)  # the child reads the grader's bytecode, never writes it
    ids = _unprivileged_ids()
    uid = ids[0] if ids else None
    workdir = Path(tempfile.mkdtemp(prefix="learn-sandbox-"))
    read_fd = write_fd = dump_read = dump_write = start_read = start_write = -1
    try:
        for name, source in files.items():
            target = workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copyfile(source, target)
        read_fd, write_fd = os.pipe()
        dump_read, dump_write = os.pipe()
        start_read, start_write = os.pipe()  # the jail reports a failed start here (closed on exec)
        payload = dict(
            request,
            result_fd=write_fd,
            dump_fd=dump_read,
            stacks_json=STACKS_JSON,
            stacks_text=STACKS_TEXT,
        )
        (workdir / "request.json").write_text(json.dumps(payload), encoding="utf-8")
        staging = workdir.with_name(workdir.name + "-mounts")
        if ids:
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, *ids)
            staging.mkdir()
        config = {
            "argv": [sys.executable, "-m", module, "request.json"],
            "env": child_env(seed),
            "cwd": str(workdir),
            "uid": uid,
            "gid": ids[1] if ids else None,
            "rlimits": _rlimits(limits, deadline_s, uid),
            "masks": _masks(_python_roots()) if ids else [],
            "staging": str(staging),
            "parent": os.getpid(),
            "start_fd": start_write,
        }
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(_JAIL), json.dumps(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_fd, dump_read, start_write),
            start_new_session=True,
            close_fds=True,
        )
        for fd in (write_fd, dump_read, start_write):
            os.close(fd)
        write_fd = dump_read = start_write = -1
        assert process.stdout is not None and process.stderr is not None
        collector = _Collector(
            {
                "stdout": os.dup(process.stdout.fileno()),
                "stderr": os.dup(process.stderr.fileno()),
                "result": read_fd,
            },
            {"stdout": _OUTPUT_CAP, "stderr": _OUTPUT_CAP, "result": _RESULT_CAP},
            {"result": on_result} if on_result is not None else None,
        )
        read_fd = -1
        process.stdout.close()
        process.stderr.close()
        try:
            timed_out = _supervise(process, collector, dump_write, start + deadline_s, cancel)
        except BaseException:  # Ctrl-C in the CLI: never leave the learner's code running
            _stop(process)
            collector.close()
            raise
        collector.drain_for(0.2)
        collector.close()
        _procs.kill_uid(uid)
        stacks, stacks_data = _read_stacks(workdir) if timed_out else ("", {})
        return SandboxResult(
            exit_code=process.returncode,
            stdout=collector.data["stdout"].decode("utf-8", "replace"),
            stderr=collector.data["stderr"].decode("utf-8", "replace"),
            timed_out=timed_out,
            stacks=stacks,
            stacks_data=stacks_data,
            result=_parse_result(bytes(collector.data["result"])),
            seconds=time.monotonic() - start,
            output_truncated=collector.truncated,
            start_error=_start_error(start_read),
        )
    finally:
        for fd in (read_fd, write_fd, dump_read, dump_write, start_read, start_write):
            if fd >= 0:
                os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(workdir.with_name(workdir.name + "-mounts"), ignore_errors=True)


def _start_error(fd: int) -> str | None:
    """What the jail wrote on the start pipe (only when the program could not be started)."""
    os.set_blocking(fd, False)  # every writer is gone once the jail exited; never wait here
    try:
        text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    except BlockingIOError:
        return None
    return text or None


def _supervise(
    process: subprocess.Popen[bytes],
    collector: _Collector,
    dump_fd: int,
    deadline: float,
    cancel: threading.Event | None = None,
) -> bool:
    """Pump output until the supervisor exits or the deadline passes; True on timeout."""
    while process.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if cancel is not None and cancel.is_set():
            _stop(process)
            return False
        collector.pump(min(remaining, 0.05))
    else:
        return False
    with contextlib.suppress(OSError):
        os.write(dump_fd, b"d")
    _signal(process.pid, signal.SIGUSR1)
    collector.drain_for(_DUMP_GRACE_S)
    _stop(process)
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the supervisor to kill everything it started; force it after 0.6 s."""
    _signal(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=0.6)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _parse_result(raw: bytes) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
