"""The whole configured tree type-checks: mypy (settings in pyproject.toml [tool.mypy]) reports nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


# A cold cache checks the whole tree (~20 s of CPU; minutes on a loaded 2-core machine, as in the
# first run of a fresh environment): the global 120 s timeout is for hangs, not for this.
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_mypy_finds_nothing() -> None:
    mypy = shutil.which("mypy", path=str(BIN))
    if mypy is None:
        pytest.skip(f"mypy is not installed beside {sys.executable}")
    done = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
