"""The learner's one recorded workspace and the working copies of challenge programs in it.

`learn init [DIR]` records the workspace folder in the active profile (a small file under
``LEARN_HOME``), so every command finds it from any directory; ``LEARN_WORKSPACE`` overrides
it. Each challenge gets a folder like an Exercism exercise: ``program.py`` (the copy the
learner edits), ``README.md`` (the story) and ``HINTS.md`` (the hints unlocked so far). A copy
is made by `learn challenge N` and never overwritten; :func:`reset_program` restores the
original after saving a timestamped backup in ``backups/``. Commands that only look
(:func:`find_workspace`, :func:`existing_copy`) never create anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from challenges._registry import Challenge, get_challenge
from usererror import UserError

__all__ = [
    "DEFAULT_FOLDER",
    "WorkingCopy",
    "code_hash",
    "default_workspace",
    "ensure_working_copy",
    "existing_copy",
    "find_workspace",
    "init_workspace",
    "program_to_grade",
    "reset_program",
    "working_copy_path",
    "workspace_dir",
    "write_hints",
]

WORKSPACE_ENV = "LEARN_WORKSPACE"
DEFAULT_FOLDER = "concurrency-lab-workspace"
SOURCE_ROOT = Path(__file__).resolve().parents[1]
_MARKER = ".concurrency-lab-workspace"


@dataclass(frozen=True)
class WorkingCopy:
    """Where the learner's copy of a challenge lives and whether we just created it."""

    challenge: Challenge
    path: Path
    created: bool
    """False when the learner's existing work was kept as it was."""


def _record_file() -> Path:
    """Where the active profile's workspace path is recorded."""
    from tracker._env import active_profile_name, data_dir

    return data_dir() / "workspaces" / f"{active_profile_name()}.path"


def find_workspace() -> tuple[Path, str] | None:
    """The workspace and where it came from ("LEARN_WORKSPACE" or "recorded"), or None; never writes."""
    configured = os.environ.get(WORKSPACE_ENV)
    if configured:
        return Path(configured).expanduser().resolve(), WORKSPACE_ENV
    record = _record_file()
    try:
        text = record.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UserError(
            f"cannot read the recorded workspace {record}: {error.strerror}; run `learn init DIR` again"
        ) from None
    return (Path(text), "recorded") if text else None


def default_workspace() -> Path:
    """Where `learn init` puts the workspace: the clone's ``workspace/`` inside it, else ./concurrency-lab-workspace."""
    here = Path.cwd().resolve()
    if (SOURCE_ROOT / "pyproject.toml").is_file() and here.is_relative_to(SOURCE_ROOT):
        return SOURCE_ROOT / "workspace"
    return here / DEFAULT_FOLDER


def init_workspace(folder: Path | None = None) -> Path:
    """Create the workspace folder and record it in the active profile; return its absolute path."""
    target = (folder.expanduser() if folder is not None else default_workspace()).resolve()
    if target.exists() and not target.is_dir():
        raise UserError(f"cannot use {target} as the workspace: it is a file; choose a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / _MARKER).write_text(
            "This folder is a concurrency-lab workspace.\n", encoding="utf-8"
        )
        record = _record_file()
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{target}\n", encoding="utf-8")
    except OSError as error:
        raise UserError(
            f"cannot create the workspace at {target}: {error.strerror}; choose a writable folder"
        ) from None
    return target


def workspace_dir() -> Path:
    """The workspace: ``$LEARN_WORKSPACE``, else the one recorded by `learn init`."""
    found = find_workspace()
    if found is None:
        raise UserError(
            f"you have no workspace yet: run `learn init` (creates {default_workspace()}) or `learn init DIR`"
        )
    return found[0]


def working_copy_path(challenge: Challenge) -> Path:
    """``<workspace>/challengeNN_<slug>/program.py`` (it may not exist yet)."""
    return workspace_dir() / challenge.name / "program.py"


def existing_copy(number: int) -> Path | None:
    """The learner's copy of challenge ``number`` if there is one; never creates anything."""
    found = find_workspace()
    if found is None:
        return None
    path = found[0] / get_challenge(number).name / "program.py"
    return path if path.is_file() else None


def ensure_working_copy(number: int) -> WorkingCopy:
    """Copy the original program (and its story) into the workspace unless the learner has a copy."""
    challenge = get_challenge(number)
    target = working_copy_path(challenge)
    if target.exists():
        return WorkingCopy(challenge, target, created=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive create: two `learn challenge N` racing can never clobber each other's copy.
        with target.open("x", encoding="utf-8") as out:
            out.write(challenge.program_path.read_text(encoding="utf-8"))
        readme = target.parent / "README.md"
        if not readme.exists():
            readme.write_text(challenge.readme_path.read_text(encoding="utf-8"), encoding="utf-8")
    except FileExistsError:
        return WorkingCopy(challenge, target, created=False)
    except OSError as error:
        raise UserError(
            f"cannot create the workspace copy at {target}: {error.strerror}; "
            f"run `learn init DIR` with a writable folder"
        ) from error
    return WorkingCopy(challenge, target, created=True)


def write_hints(number: int, title: str, hints: tuple[str, ...], total: int) -> Path | None:
    """Write the hints unlocked so far to ``HINTS.md`` beside the learner's copy (if they have one)."""
    copy = existing_copy(number)
    if copy is None:
        return None
    lines = [f"# Hints for challenge {number}: {title}", ""]
    lines += [f"{index}. {hint}" for index, hint in enumerate(hints, start=1)]
    if len(hints) < total:
        lines += ["", f"{total - len(hints)} more: `learn hint {number}`"]
    path = copy.parent / "HINTS.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def program_to_grade(number: int, file: Path | None = None) -> Path:
    """The file `learn check N` grades: ``file`` if given, else the learner's workspace copy."""
    get_challenge(number)
    if file is not None:
        if file.is_dir():
            raise UserError(
                f"cannot grade {file}: it is a folder; pass the path of your program.py"
            )
        if not file.is_file():
            raise UserError(f"cannot grade {file}: no such file; pass the path of your program.py")
        if file.suffix != ".py":
            raise UserError(f"cannot grade {file}: not a Python file; pass a .py program")
        return file.resolve()
    challenge = get_challenge(number)
    path = working_copy_path(challenge)
    if not path.is_file():
        raise UserError(
            f"you have no copy of challenge {number} at {path} yet: run `learn challenge {number}` first "
            "(or pass --file PATH)"
        )
    return path


def reset_program(number: int) -> Path | None:
    """Restore the original program; return the backup of the learner's copy (None if it had no changes)."""
    challenge = get_challenge(number)
    target = working_copy_path(challenge)
    backup = None
    original = challenge.program_path.read_bytes()
    if target.exists() and target.read_bytes() != original:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        backup = target.parent / "backups" / f"program-{stamp}.py"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(original)
    return backup


def code_hash(path: Path) -> str:
    """Short content hash of a program (the tracker uses it to spot resubmissions)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
