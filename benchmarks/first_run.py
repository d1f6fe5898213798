"""What a learner downloads and waits for the first time: `uv run learn run example 1` from nothing.

Run: ``uv run python benchmarks/first_run.py [--no-dev]``

Clones this checkout's committed HEAD into a temporary folder, gives uv an empty cache
(``UV_CACHE_DIR``) and runs ``uv run -v learn run example 1`` there, as a learner's first command
in a fresh clone. Prints the wall time, the bytes downloaded (the ``uv.lock`` size of every file
uv fetched, read from its verbose log; the few build-backend wheels that are not in the lock are
counted with their cached size), the packages installed, and the cache and environment sizes on
disk (unpacked, so larger than the download).

Goal (issue 15): ≤ 60 MiB downloaded. ``--no-dev`` measures the learner-only environment (what
``uv tool install .`` downloads too). Needs network access to PyPI and git.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MIB = 60.0
FETCHED = re.compile(r"GET request for: \S+/([A-Za-z0-9_.+-]+\.(?:whl|tar\.gz))")
MIB = 2**20


def lock_sizes(lock: Path) -> dict[str, int]:
    """File name → size in bytes of every wheel and sdist in ``uv.lock``."""
    sizes: dict[str, int] = {}
    for package in tomllib.loads(lock.read_text(encoding="utf-8"))["package"]:
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        for file in files:
            if "url" in file and "size" in file:
                sizes[file["url"].rsplit("/", 1)[1]] = file["size"]
    return sizes


def disk_bytes(folder: Path) -> int:
    """Bytes of the regular files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def cached_wheel_bytes(cache: Path, name: str) -> int:
    """Unpacked size of a wheel uv fetched that the lock does not list (the build backend)."""
    project, version = name.split("-")[:2]
    folders = [
        p
        for p in cache.glob(f"wheels-v*/pypi/{project.replace('_', '-').lower()}/{version}-*")
        if p.is_dir()
    ]
    return sum(disk_bytes(p) for p in folders)


def measure(no_dev: bool) -> int:
    uv = shutil.which("uv")
    if uv is None:
        print("uv is not on PATH")
        return 2
    with tempfile.TemporaryDirectory(prefix="first-run-") as scratch:
        base = Path(scratch)
        clone, cache = base / "clone", base / "uv-cache"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
        }
        env |= {"UV_CACHE_DIR": str(cache), "LEARN_HOME": str(base / "home")}
        command = [
            uv,
            "run",
            "-v",
            *(["--no-dev"] if no_dev else []),
            "learn",
            "run",
            "example",
            "1",
        ]
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=clone, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            print(
                f"`{' '.join(command[1:])}` failed (exit {result.returncode}):\n{result.stderr[-2000:]}"
            )
            return 1
        sizes = lock_sizes(clone / "uv.lock")
        fetched = set(FETCHED.findall(result.stderr))
        locked = sum(sizes[name] for name in fetched if name in sizes)
        backend = sorted(name for name in fetched if name not in sizes)
        backend_bytes = sum(cached_wheel_bytes(cache, name) for name in backend)
        installed = re.search(r"Installed (\d+) packages", result.stderr)
        total = (locked + backend_bytes) / MIB
        python = re.search(r"Using (CPython \S+)", result.stderr)
        print(
            f"`uv run{' --no-dev' if no_dev else ''} learn run example 1` from an empty uv cache "
            f"({python.group(1) if python else 'Python'})"
        )
        print(
            f"  wall time                {seconds:8.1f} s  (resolve, download, build, install, run)"
        )
        print(
            f"  downloaded               {total:8.1f} MiB  ({len(fetched)} files: "
            f"{locked / MIB:.1f} MiB from uv.lock + {backend_bytes / MIB:.1f} MiB build backend, unpacked)"
        )
        print(f"  packages installed       {installed.group(1) if installed else '?':>8}")
        print(f"  uv cache on disk         {disk_bytes(cache) / MIB:8.1f} MiB  (unpacked wheels)")
        print(f"  environment on disk      {disk_bytes(clone / '.venv') / MIB:8.1f} MiB")
        print(
            f"  goal                     {'met' if total <= GOAL_MIB else 'MISSED':>8}  (≤ {GOAL_MIB:.0f} MiB)"
        )
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-dev", action="store_true", help="without the dev tools (the learner-only environment)"
    )
    return measure(parser.parse_args().no_dev)


if __name__ == "__main__":
    sys.exit(main())
