"""Per-run supervisor of a sandboxed child: run as ``python -I -S _jail.py CONFIG_JSON``.

It is started by :mod:`evaluator.sandbox` in a new session and does, in a fresh process
(never in a ``preexec_fn`` of a threaded parent):

1. becomes a *child subreaper*, so every process the learner's code spawns — even one that
   double-forks and calls ``setsid`` — stays its descendant;
2. when asked to (running as root), enters a private mount namespace and hides directories
   the unprivileged child must not read (e.g. ``/root``, where the progress database
   lives) behind an empty tmpfs, bind-mounting back only what Python needs;
3. forks the child, which sets its rlimits, drops to the unprivileged uid and ``exec``\\ s;
4. forwards SIGUSR1 (faulthandler stack-dump request) to the child, and on SIGTERM or when the
   child exits kills every remaining descendant, reaps them, and exits with the child's
   status (``128 + signal`` when it was killed).

It stays privileged when the child is dropped, so the learner's code cannot signal it.
Only the standard library is used: it runs with ``-I -S`` for a fast start.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)
_child_pid = 0


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(
    source: str, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _hide_private_dirs(masks: list[tuple[str, list[str]]], staging: str) -> None:
    """For each ``[blocked_dir, [keep...]]``: cover ``blocked_dir`` with an empty tmpfs and
    bind-mount each ``keep`` path (under it) back at its place."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    for index, (blocked, keeps) in enumerate(masks):
        staged = []
        for number, keep in enumerate(keeps):
            stage = os.path.join(staging, f"m{index}_{number}")
            os.makedirs(stage, exist_ok=True)
            _mount(keep, stage, None, MS_BIND | MS_REC)
            staged.append((stage, keep))
        _mount("tmpfs", blocked, "tmpfs", 0, "mode=0755,size=1m")
        for stage, keep in staged:
            os.makedirs(keep, exist_ok=True)
            _mount(stage, keep, None, MS_BIND | MS_REC)


def _descendants(root: int) -> list[int]:
    """Every live descendant of ``root``, found through ``/proc/*/stat`` parent links."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == current and pid not in found:
                found.append(pid)
                frontier.append(pid)
    return found


def _kill_all_descendants(limit_s: float = 2.0) -> None:
    """SIGKILL and reap every descendant until none is left (or ``limit_s`` passes)."""
    me = os.getpid()
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        for pid in _descendants(me):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return
        time.sleep(0.005)


def _forward(signum: int, _frame: object) -> None:
    if _child_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(_child_pid, signum)


def _terminate(_signum: int, _frame: object) -> None:
    _kill_all_descendants()
    os._exit(128 + signal.SIGKILL)


def _exec_child(config: dict[str, Any]) -> None:
    """In the forked child: limits, working directory, identity, then exec."""
    try:
        for name, (soft, hard) in config["rlimits"].items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
        os.chdir(config["cwd"])
        for signum in (signal.SIGUSR1, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        if config.get("uid") is not None:
            os.setgroups([])
            os.setresgid(config["gid"], config["gid"], config["gid"])
            os.setresuid(config["uid"], config["uid"], config["uid"])
        os.umask(0o077)
        os.execve(config["argv"][0], config["argv"], config["env"])  # closes the start pipe
    except BaseException as error:
        os.write(2, f"sandbox: cannot start the program: {error}\n".encode())
        os.write(config["start_fd"], f"{type(error).__name__}: {error}".encode())
    os._exit(127)


def main() -> None:
    global _child_pid
    config = json.loads(sys.argv[1])
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)  # the grader died: clean up and go
    if config.get("masks"):
        try:
            _hide_private_dirs(config["masks"], config["staging"])
        except OSError as error:
            # Without the private view the unprivileged child could not even start Python:
            # keep our uid (the supervisor still kills every descendant at the end).
            os.write(
                2,
                f"sandbox: cannot hide private directories ({error}); the child keeps the grader's uid\n".encode(),
            )
            config["uid"] = None
    signal.signal(signal.SIGUSR1, _forward)
    signal.signal(signal.SIGTERM, _terminate)
    if os.getppid() != config["parent"]:  # the grader died before PDEATHSIG was armed
        os._exit(128 + signal.SIGTERM)
    os.set_inheritable(config["start_fd"], False)  # the program itself never holds it
    pid = os.fork()
    if pid == 0:
        _exec_child(config)
    os.close(config["start_fd"])
    _child_pid = pid
    status = 0
    while True:
        waited, raw = os.wait()
        if waited == pid:
            status = raw
            break
    _child_pid = 0
    _kill_all_descendants()
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
