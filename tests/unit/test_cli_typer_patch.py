"""cli.py replaces a private layer of Typer (parameter coercion) to keep pydantic out of every
command: when a Typer release changes that layer, these tests fail instead of the CLI silently
getting slower."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_plain_coercion_patch_is_installed() -> None:
    from typer import core

    import cli

    assert cli.PLAIN_COERCION, (
        "Typer's private coercion layer changed: update cli._install_plain_coercion"
    )
    assert core.build_runtime_param.__module__ == "cli"


def test_a_command_with_an_argument_never_imports_pydantic() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "import cli\n"
        "result = CliRunner().invoke(cli.app, ['run', 'example', 'one'])\n"
        "assert \"'one' is not a valid integer\" in result.output, result.output\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
