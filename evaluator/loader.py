"""Import a learner's (or a reference solution's) file as a fresh module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from usererror import UserError

__all__ = ["load_program"]


def load_program(path: Path, name: str = "program") -> ModuleType:
    """Execute ``path`` as a new module called ``name`` and return it.

    The module is registered in ``sys.modules`` under ``name`` (replacing any earlier one),
    so dataclasses, pickling and ``multiprocessing`` can find it again. Errors raised by the
    file itself (``SyntaxError``, an exception at import time) propagate unchanged, with
    their file and line, for the caller to report; a missing or unreadable file is a
    :class:`UserError`.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"cannot grade {path}: the file does not exist (check the path, or run `learn challenge N` to get the program)"
        )
    try:
        path.read_bytes()
    except OSError as error:
        raise UserError(
            f"cannot read {path}: {error.strerror} (check the file's permissions)"
        ) from None
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"cannot import {path}: only .py files can be graded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
