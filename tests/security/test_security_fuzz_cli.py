"""Hypothesis throws arbitrary numbers, names, paths and option combinations at `learn`:
the answer is always a result (exit 0/1) or one clear `error:` line with exit 2, never a
traceback. In-process for speed (the real entry point, `cli.app`), plus a few subprocesses
for what only a real process sees (undecodable argv bytes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.cli_runner import Ran, invoke

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

numbers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["0", "17", "1e3", "0x1", " 3", "-1", ""]),
    st.text(max_size=6),
)
argv_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
names = st.one_of(argv_text, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,40}", fullmatch=True))
flags = st.lists(
    st.sampled_from(
        [
            "--yes",
            "--json",
            "--reveal",
            "--original",
            "--threads",
            "--asyncio",
            "--help",
            "--bogus",
            "-v",
            "--as",
            "--approach",
            "--replay",
            "--timeout",
        ]
    ),
    max_size=3,
)


def assert_sane(ran: Ran) -> None:
    assert "Traceback" not in ran.stdout + ran.stderr, ran.stderr
    assert ran.code in (0, 1, 2), (ran.code, ran.stderr)
    if ran.code == 2:
        assert " ".join(ran.stderr.split()).startswith("error:"), ran.stderr


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths the fuzzer makes up land in this test's folder."""
    monkeypatch.chdir(tmp_path)


@FUZZ
@given(
    command=st.sampled_from(
        [
            ("hint",),
            ("solution",),
            ("challenge",),
            ("show", "example"),
            ("run", "example"),
            ("check",),
            ("run", "challenge"),
            ("reset", "--yes"),
        ]
    ),
    number=numbers,
    extra=flags,
)
def test_numbers_and_flags(command: tuple[str, ...], number: str, extra: list[str]) -> None:
    if (
        command in {("check",), ("run", "challenge")}
        and number.strip().lstrip("+").isascii()
        and number.strip().lstrip("+").isdigit()
        and 1 <= int(number) <= 16
        and not {"--help", "--bogus", "--as", "-v"} & set(extra)
    ):
        extra = (
            [*extra, "--timeout", "-1"] if command == ("run", "challenge") else [*extra, "--replay"]
        )
    if command == ("run", "example") and not {"--help", "--bogus"} & set(extra):
        extra = [*extra, "--variant", "no-such-variant"]  # never actually run a whole lesson here
    assert_sane(invoke(*command, number, *extra))


@FUZZ
@given(
    command=st.sampled_from(
        [
            ("profile", "create"),
            ("profile", "switch"),
            ("list",),
            ("practical", "run"),
            ("bench", "run"),
            ("solution", "1", "--approach"),
        ]
    ),
    name=names,
)
def test_names(command: tuple[str, ...], name: str) -> None:
    if command == ("bench", "run"):
        name = f"no-such-suite-{name}"
    if command == ("practical", "run"):
        name = f"no-such-module-{name}"
    assert_sane(invoke(*command, name))


@FUZZ
@given(path=argv_text, as_name=st.none() | names, yes=st.booleans())
def test_paths(path: str, as_name: str | None, yes: bool) -> None:
    assert_sane(invoke("export", path))
    options = [*(["--as", as_name] if as_name is not None else []), *(["--yes"] if yes else [])]
    assert_sane(invoke("import", path, *options))
    assert_sane(invoke("check", "99", "--file", path))


@FUZZ
@given(
    number=numbers,
    timeout=st.one_of(st.floats(allow_nan=True), st.sampled_from(["nan", "inf", "-0", "x"])),
)
def test_run_challenge_timeouts_are_validated(number: str, timeout: float | str) -> None:
    if isinstance(timeout, float) and timeout > 0 and timeout != float("inf"):
        number = "99"  # a valid timeout would really run the program: keep the number invalid
    ran = invoke("run", "challenge", number, "--timeout", str(timeout))
    assert_sane(ran)
    assert ran.code == 2


@pytest.mark.parametrize(
    "argv",
    [
        [b"profile", b"create", b"\xff\xfe"],
        [b"import", b"missing/\xff.json"],
        [b"check", b"1", b"--file", b"\xff.py"],
        [b"list", b"\xc3"],
    ],
)
def test_undecodable_argv_bytes_in_a_real_process(argv: list[bytes], tmp_path: Path) -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable.encode(), str(ROOT / "cli.py").encode(), *argv],
        capture_output=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode == 2 and done.stderr.startswith(b"error:"), done.stderr
