"""Bytecode of the grader for the sandboxed child, compiled by the parent, read-only to the child.

The child runs with ``PYTHONDONTWRITEBYTECODE`` as another user, so without this it compiles
the grader (:data:`GRADER_SOURCES`: ``evaluator/``, the specs, the simulated world, the
solutions and three shared modules) from source on every grading. :func:`ensure` (called by :func:`evaluator.sandbox.run_sandboxed` before each
child starts) writes the missing or stale ``.pyc`` files into the ordinary ``__pycache__``
folders next to the sources, where the child's import system finds them by itself (the
standard library keeps its own ``.pyc`` files: no ``PYTHONPYCACHEPREFIX``, which would hide
them).

Trust: the cache must never run code a hostile child planted for a later grading.

* Files are *checked-hash* ``.pyc`` (PEP 552): the importer hashes the source and falls back
  to it when they differ, so an edited source is never shadowed by stale bytecode, whatever
  its timestamps.
* Every ``__pycache__`` folder is the parent's, mode ``0755``; every ``.pyc`` the parent's,
  mode ``0644``, written through a private temporary file and renamed into place. Anything
  else found there (another owner, group/other-writable) is removed and rebuilt. As root the
  child runs under another uid (see :mod:`evaluator.sandbox`), so it can read the cache but
  neither write, replace nor remove it.
* When the parent cannot write next to the sources (a read-only install), nothing is cached
  and the child compiles from source as before. Without root the child has the grader's uid
  and could rewrite the cache — and the sources beside it: the cache adds no new target.

``PYTHONDONTWRITEBYTECODE`` is about the importer writing ``.pyc`` files as a side effect; this
cache is written on purpose (like ``pip install`` compiles), so only ``LEARN_SANDBOX_BYTECODE=0``
turns it off.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = [
    "GRADER_SOURCES",
    "OPT_OUT",
    "cache_path",
    "clear",
    "enabled",
    "ensure",
    "is_fresh",
    "sources",
]

GRADER_SOURCES = (
    "evaluator",
    "challenges",
    "simworld",
    "solutions",
    "findingkind.py",
    "usererror.py",
    "staticmeta.py",
)
"""What the sandboxed child imports from the repository (relative to its root)."""
OPT_OUT = "LEARN_SANDBOX_BYTECODE"
"""Set to ``0`` to compile nothing (the child then compiles the grader from source)."""
_FLAGS_CHECKED_HASH = 0b11
_DIR_MODE = 0o755
_FILE_MODE = 0o644
_verified: dict[Path, tuple[int, int, int]] = {}
"""Source -> (mtime_ns, size, inode) already verified fresh in this process."""


def sources(root: Path, members: Iterable[str] = GRADER_SOURCES) -> Iterator[Path]:
    """Every ``.py`` file of ``members`` (folders walked recursively) under ``root``."""
    for member in members:
        path = root / member
        if path.is_file() and path.suffix == ".py":
            yield path
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                yield from (Path(folder) / name for name in sorted(files) if name.endswith(".py"))


def cache_path(source: Path) -> Path:
    """The ``.pyc`` the child's importer looks for (``__pycache__`` beside, never a prefix)."""
    tag = sys.implementation.cache_tag
    return source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"


def _trusted(path: Path, mode: int) -> bool:
    """Owned by us, exactly ``mode``, not a symlink."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True  # nothing there yet
    return (
        info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) == mode
        and (stat.S_ISDIR(info.st_mode) if mode == _DIR_MODE else stat.S_ISREG(info.st_mode))
    )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def is_fresh(source: Path, data: bytes | None = None) -> bool:
    """Whether ``source``'s cached ``.pyc`` is a trusted checked-hash file of this source."""
    target = cache_path(source)
    if not (_trusted(target.parent, _DIR_MODE) and _trusted(target, _FILE_MODE)):
        return False
    try:
        with open(target, "rb") as handle:
            header = handle.read(16)
        data = source.read_bytes() if data is None else data
    except OSError:
        return False
    return (
        header[:4] == importlib.util.MAGIC_NUMBER
        and int.from_bytes(header[4:8], "little") == _FLAGS_CHECKED_HASH
        and header[8:16] == importlib.util.source_hash(data)
    )


def _folder(folder: Path) -> None:
    """``folder`` exists, is ours and ``0755`` (anything else there is removed first)."""
    if not _trusted(folder, _DIR_MODE):
        info = os.lstat(folder)
        if (
            info.st_uid == os.geteuid()
            and stat.S_ISDIR(info.st_mode)
            and not stat.S_ISLNK(info.st_mode)
        ):
            os.chmod(folder, _DIR_MODE)
        else:
            _remove(folder)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, _DIR_MODE)
        os.chmod(folder, _DIR_MODE)  # mkdir's mode is filtered by the umask


def _write(source: Path, data: bytes) -> None:
    """Compile ``source`` and write its checked-hash ``.pyc`` atomically, mode ``0644``."""
    code = compile(data, str(source), "exec", dont_inherit=True, optimize=0)
    payload = (
        importlib.util.MAGIC_NUMBER
        + _FLAGS_CHECKED_HASH.to_bytes(4, "little")
        + importlib.util.source_hash(data)
        + marshal.dumps(code)
    )
    target = cache_path(source)
    _folder(target.parent)
    if not _trusted(target, _FILE_MODE):
        _remove(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            os.fchmod(out.fileno(), _FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _still_in_place(source: Path) -> bool:
    """The cached ``.pyc`` of an already verified source is still ours, in place, unchanged mode."""
    target = cache_path(source)
    return target.exists() and _trusted(target.parent, _DIR_MODE) and _trusted(target, _FILE_MODE)


def _newer_in_place(source: Path, source_ctime_ns: int) -> bool:
    """The ``.pyc`` was written after the source last changed (its ctime: an edit always moves it,
    ``utime`` cannot set it back) and is still ours: a new process need not read and hash the
    source. The embedded hash still guards it: the child's importer compiles from source on a
    mismatch."""
    target = cache_path(source)
    try:
        written = os.lstat(target).st_mtime_ns
    except OSError:
        return False
    return written >= source_ctime_ns and _still_in_place(source)


def ensure(root: Path, members: Iterable[str] = GRADER_SOURCES) -> int:
    """Compile every missing, stale or untrusted ``.pyc`` of ``members``; how many were written.

    Cheap when nothing changed: a source already verified in this process with the same
    ``stat``, or whose ``.pyc`` is newer than it, is skipped. A file that does not compile, or a folder the parent cannot write,
    is left alone (the child then compiles from source, as it would without a cache).
    """
    written = 0
    for source in sources(root, members):
        try:
            info = source.stat()
            signature = (info.st_mtime_ns, info.st_size, info.st_ino)
            if _verified.get(source) == signature and _still_in_place(source):
                continue
            if _newer_in_place(source, info.st_ctime_ns):
                _verified[source] = signature
                continue
            data = source.read_bytes()
            if not is_fresh(source, data):
                _write(source, data)
                written += 1
            _verified[source] = signature
        except (OSError, SyntaxError, ValueError):
            _verified.pop(source, None)
    return written


def enabled() -> bool:
    """False when the learner turned the cache off with ``LEARN_SANDBOX_BYTECODE=0``."""
    return os.environ.get(OPT_OUT, "1").strip() != "0"


def clear(root: Path, members: Iterable[str] = GRADER_SOURCES) -> int:
    """Remove the cached ``.pyc`` of ``members``' sources (benchmarks: the uncached case)."""
    removed = 0
    for source in sources(root, members):
        with contextlib.suppress(FileNotFoundError):
            cache_path(source).unlink()
            removed += 1
        _verified.pop(source, None)
    return removed
