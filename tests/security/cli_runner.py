"""Run `learn` in-process (fast enough for fuzzing) and report exit code, stdout and stderr."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import cli


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Ran:
    """``learn ARGS`` through the real entry point; any exception but SystemExit propagates."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            cli.app(args=list(args))
            code = 0
        except SystemExit as leaving:
            code = (
                leaving.code
                if isinstance(leaving.code, int)
                else (0 if leaving.code is None else 1)
            )
    return Ran(code, out.getvalue(), err.getvalue())


def assert_clear_error(ran: Ran, *fragments: str) -> None:
    """Exit 2 with one `error:` message on stderr naming the fragments, and no traceback."""
    assert ran.code == 2, (ran.code, ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stdout + ran.stderr
    flat = " ".join(ran.stderr.split())
    assert flat.startswith("error:"), flat
    for fragment in fragments:
        assert fragment in flat, flat
