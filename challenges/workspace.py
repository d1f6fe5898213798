"""The learner's working copies of challenge programs.

Each challenge gets a folder in the workspace (``./workspace/`` by default, ``LEARN_WORKSPACE``
overrides) holding ``program.py``, the copy the learner edits. A copy is made on first use and
never overwritten; :func:`reset_program` restores the original after saving a timestamped
backup of the learner's work in ``backups/``.
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
    "WorkingCopy",
    "code_hash",
    "ensure_working_copy",
    "program_to_grade",
    "reset_program",
    "working_copy_path",
    "workspace_dir",
]

WORKSPACE_ENV = "LEARN_WORKSPACE"


@dataclass(frozen=True)
class WorkingCopy:
    """Where the learner's copy of a challenge lives and whether we just created it."""

    challenge: Challenge
    path: Path
    created: bool
    """False when the learner's existing work was kept as it was."""


def workspace_dir() -> Path:
    """The workspace folder: ``$LEARN_WORKSPACE`` or ``./workspace`` (git-ignored)."""
    configured = os.environ.get(WORKSPACE_ENV)
    return (Path(configured).expanduser() if configured else Path.cwd() / "workspace").resolve()


def working_copy_path(challenge: Challenge) -> Path:
    """``<workspace>/challengeNN_<slug>/program.py`` (it may not exist yet)."""
    return workspace_dir() / challenge.name / "program.py"


def ensure_working_copy(number: int) -> WorkingCopy:
    """Copy the original program into the workspace unless the learner already has a copy."""
    challenge = get_challenge(number)
    target = working_copy_path(challenge)
    if target.exists():
        return WorkingCopy(challenge, target, created=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive create: two `learn challenge N` racing can never clobber each other's copy.
        with target.open("x", encoding="utf-8") as out:
            out.write(challenge.program_path.read_text(encoding="utf-8"))
    except FileExistsError:
        return WorkingCopy(challenge, target, created=False)
    except OSError as error:
        raise UserError(
            f"cannot create the workspace copy at {target}: {error.strerror}; "
            f"set {WORKSPACE_ENV} to a writable folder"
        ) from error
    return WorkingCopy(challenge, target, created=True)


def program_to_grade(number: int, file: Path | None = None) -> Path:
    """The file `learn check N` grades: ``file`` if given, else the learner's workspace copy."""
    if file is not None:
        if not file.is_file():
            raise UserError(f"cannot grade {file}: no such file; pass the path of your program.py")
        return file.resolve()
    challenge = get_challenge(number)
    path = working_copy_path(challenge)
    if not path.is_file():
        raise UserError(
            f"you have no copy of challenge {number} yet: run `learn challenge {number}` first "
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
