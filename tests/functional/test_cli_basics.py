"""The `learn` command line: the happy paths, every user-error path, Ctrl-C, and lazy imports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cli
from tests.conftest import ROOT

LEARN_SCRIPT = Path(sys.executable).parent / "learn"
HEAVY_MODULES = (
    "textual",
    "aio_pika",
    "aiokafka",
    "pymongo",
    "cassandra",
    "neo4j",
    "influxdb_client",
    "duckdb",
    "rich",
    "pydantic",
)


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Call the real app object (its own error handling included) and capture the result."""
    with pytest.raises(SystemExit) as exit_info:
        cli.app(args=list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def run_learn(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run `learn` in a fresh interpreter, as a learner's shell would."""
    return subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- happy paths ---------------------------------------------------------------------------


def test_no_arguments_resumes_with_the_current_challenge_and_next_command() -> None:
    result = run_learn()
    assert result.returncode == 0, result.stderr
    assert "challenge  1:" in result.stdout
    assert "not started" in result.stdout
    assert "Next  learn challenge 1" in result.stdout


def test_list_lessons_is_list_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_in_process(capsys, "list", "lessons")
    assert code == 0, err
    assert "Lessons" in out and "Challenges" not in out


def test_installed_script_runs() -> None:
    result = subprocess.run(
        [str(LEARN_SCRIPT), "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("concurrency-lab ")


def test_shell_completion_completes_commands() -> None:
    env = {
        **os.environ,
        "_LEARN_COMPLETE": "complete_bash",
        "COMP_WORDS": "learn li",
        "COMP_CWORD": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'learn'; from cli import app; app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["list"]


def test_help_offers_completion_install(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(capsys, "--help")
    assert code == 0
    assert "--install-completion" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(capsys, "--version")
    assert code == 0
    assert f"concurrency-lab {cli.__version__}" in out
    assert f"Python {sys.version.split()[0]}" in out


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(capsys, "--help")
    assert code == 0
    for command in ("list", "run", "show"):
        assert command in out


@pytest.mark.parametrize("args", [("list",), ("list", "examples"), ("list", "all")])
def test_list_shows_every_lesson(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    from examples import all_examples

    code, out, err = run_in_process(capsys, *args)
    assert code == 0, err
    assert "Lessons" in out
    for example in all_examples():
        assert example.title.split()[0] in out


def test_list_examples_leaves_out_challenges(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_in_process(capsys, "list", "examples")
    assert "Challenges" not in out


def test_show_example_prints_lesson_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    from examples import get_example

    code, out, err = run_in_process(capsys, "show", "example", "1")
    assert code == 0, err
    assert get_example(1).title in out
    assert "def main(" in out
    assert "learn run example 1" in out


def test_run_example_one_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_in_process(capsys, "run", "example", "1", "--asyncio")
    assert code == 0, err
    assert "asyncio" in out
    assert "start() runs a thread" not in out  # the threads part was not run


# --- user errors: one line, "error:", exit 2, no traceback ---------------------------------


ERROR_CASES = {
    "unknown example": (("run", "example", "999"), "example 999 does not exist"),
    "unknown example to show": (("show", "example", "0"), "example 0 does not exist"),
    "non-integer example": (("run", "example", "one"), "'one' is not a valid integer"),
    "unknown command": (("frobnicate",), "No such command 'frobnicate'"),
    "unknown option": (("--frobnicate",), "No such option: --frobnicate"),
    "unknown option of a command": (("list", "--frobnicate"), "No such option: --frobnicate"),
    "bad list argument": (
        ("list", "lesons"),
        "cannot list 'lesons': choose lessons, challenges or all",
    ),
    "run without a subcommand": (("run",), "`learn run` needs a subcommand: `learn run example N`"),
    "show without a subcommand": (("show",), "`learn show` needs a subcommand"),
    "bench without a subcommand": (("bench",), "`learn bench` needs a subcommand"),
    "check a file that is not Python": (("check", "2", "--file", "README.md"), "not a Python file"),
    "check a folder": (("check", "2", "--file", "challenges"), "it is a folder"),
    "check a missing file": (("check", "2", "--file", "nope.py"), "no such file"),
    "check without a copy names where it looked": (("check", "2"), "no copy of challenge 2 at "),
    "check an unknown challenge": (
        ("check", "99", "--file", "README.md"),
        "challenge 99 does not exist",
    ),
    "run a challenge without a copy": (("run", "challenge", "2"), "run `learn challenge 2` first"),
    "reset an unknown challenge before asking": (("reset", "99"), "challenge 99 does not exist"),
    "end of input at a prompt": (("reset", "2"), "(end of input): add --yes"),
    "solution of an unknown challenge": (
        ("solution", "99", "--reveal"),
        "challenge 99 does not exist",
    ),
    "end of input at the reveal prompt": (
        ("solution", "2", "--reveal"),
        "(end of input): add --yes",
    ),
    "watch an unknown challenge": (("watch", "99"), "challenge 99 does not exist"),
    "init on a file": (("init", "README.md"), "it is a file"),
    "two variant shortcuts": (
        ("run", "example", "1", "--threads", "--asyncio"),
        "choose one of --threads and --asyncio",
    ),
    "unknown variant": (("run", "example", "1", "--variant", "gpu"), "has no variant 'gpu'"),
    "missing example number": (("run", "example"), "Missing argument"),
}


@pytest.mark.parametrize(("args", "expected"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_user_error_is_one_clear_line(args: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    result = run_learn(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    joined = " ".join(lines)
    assert lines and lines[0].startswith("error:"), result.stderr
    assert expected in joined
    # soft-wrapped, so one logical line even on narrow terminals
    assert len(lines) == 1, result.stderr
    # nothing recorded, no copy made
    assert not (tmp_path / "learn-home" / "progress.sqlite3").exists()
    assert not (tmp_path / "workspace").exists()


def test_a_lesson_file_that_does_not_parse_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from examples import _registry

    broken = tmp_path / "ex01_broken.py"
    broken.write_text('"""Lesson."""\nTITLE = (\n', encoding="utf-8")
    monkeypatch.setattr(_registry, "EXAMPLES_DIR", tmp_path)
    _registry.all_examples.cache_clear()
    try:
        with pytest.raises(cli.UserError, match=r"ex01_broken\.py cannot be read .*line"):
            _registry.all_examples()
    finally:
        _registry.all_examples.cache_clear()


# --- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_exits_130_without_traceback() -> None:
    """SIGINT while a lesson's threads are busy: exit 130, a message, no traceback, no hang."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", "run", "example", "5", "--threads"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()  # the lesson has started
        assert first_line.strip(), "the lesson printed nothing"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err


# --- lazy imports --------------------------------------------------------------------------


_IMPORT_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["learn", *sys.argv[1:]]
    try:
        import cli
        cli.app()
    except SystemExit:
        pass
    finally:
        print("MODULES " + json.dumps(sorted(m.split(".")[0] for m in sys.modules)), file=sys.stderr)
    """
)


def _modules_loaded_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    marker = [line for line in result.stderr.splitlines() if line.startswith("MODULES ")]
    assert marker, result.stderr
    return set(json.loads(marker[-1].removeprefix("MODULES ")))


def test_help_imports_no_heavy_module() -> None:
    loaded = _modules_loaded_by("--help")
    assert "typer" in loaded  # the probe really ran the CLI
    assert not loaded & set(HEAVY_MODULES)


def test_list_imports_no_driver_and_no_pydantic() -> None:
    loaded = _modules_loaded_by("list")
    assert "rich" in loaded  # it rendered a table
    assert not loaded & (set(HEAVY_MODULES) - {"rich"})


# --- the `learn` script's --help fast path -----------------------------------------------------

_ENTRY_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["learn", *sys.argv[1:]]
    code = 0
    try:
        import cli_entry
        cli_entry.main()
    except SystemExit as exit_:
        code = exit_.code
    finally:
        print("MODULES " + json.dumps(sorted(m.split(".")[0] for m in sys.modules)), file=sys.stderr)
    sys.exit(code)
    """
)


def _entry_run(*args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the `learn` script's entry point; the result (stderr without the probe's line) and
    the top-level modules it imported."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("_LEARN_COMPLETE")}
    result = subprocess.run(
        [sys.executable, "-c", _ENTRY_PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**environment, **env},
    )
    marker = [line for line in result.stderr.splitlines() if line.startswith("MODULES ")]
    assert marker, result.stderr
    result.stderr = "".join(
        line for line in result.stderr.splitlines(keepends=True) if not line.startswith("MODULES ")
    )
    return result, set(json.loads(marker[-1].removeprefix("MODULES ")))


def _entry(*args: str, **env: str) -> tuple[str, set[str]]:
    result, loaded = _entry_run(*args, **env)
    return result.stdout, loaded


def test_saved_help_is_what_typer_prints() -> None:
    import cli_entry
    import cli_help

    assert cli_entry.render_help() == cli_help.HELP, "regenerate it: uv run python cli_entry.py"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_script_help_prints_the_saved_text_without_typer_or_rich(flag: str) -> None:
    import cli_help

    out, loaded = _entry(flag, COLUMNS="100")
    assert out == cli_help.HELP
    assert not loaded & {"typer", "rich", "cli", "tracker", "evaluator"}


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--help",), {"COLUMNS": "60"}),
        (("--help",), {"COLUMNS": "100", "TYPER_USE_RICH": "1"}),
        (("--version",), {"COLUMNS": "100"}),
        (("list", "--help"), {"COLUMNS": "100"}),
    ],
)
def test_other_command_lines_go_to_typer(args: tuple[str, ...], env: dict[str, str]) -> None:
    out, loaded = _entry(*args, **env)
    assert "typer" in loaded and out.strip()


def _click_help(app: object, *args: str) -> str:
    import contextlib
    import io

    import typer

    out = io.StringIO()
    command = typer.main.get_command(app)  # type: ignore[arg-type]
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        command.main(args=list(args), prog_name="learn", standalone_mode=False)
    return out.getvalue()


def test_a_command_runs_in_an_app_built_with_only_that_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    names = [info.name for info in cli.app.registered_commands]
    assert {"list", "progress", "check"} <= set(names)
    for name in names:
        assert name is not None
        slim = cli.app._only_invoked([name, "--help"])
        assert [info.name for info in slim.registered_commands] == [name] and slim is not cli.app
        assert _click_help(slim, name, "--help") == _click_help(cli.app, name, "--help"), name
    for argv in ([], ["--version"], ["run", "example", "1"], ["lst"]):
        assert cli.app._only_invoked(argv) is cli.app


@pytest.mark.parametrize(
    ("args", "profile"),
    [
        (("list",), "ada"),
        (("list", "lessons"), "ada"),
        (("list", "nope"), "ada"),
        (("progress",), "ada"),
        (("progress",), "bad name!"),
    ],
)
def test_plain_list_and_progress_run_without_typer_exactly_as_with_it(
    args: tuple[str, ...], profile: str, tmp_path: Path
) -> None:
    env = {"COLUMNS": "100", "LEARN_HOME": str(tmp_path), "LEARN_PROFILE": profile}
    fast, loaded = _entry_run(*args, **env)
    assert not loaded & {"typer", "cli"} or fast.returncode == 2  # an error is printed by cli.fail
    typer_run = subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **env},
    )
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        typer_run.returncode,
        typer_run.stdout,
        typer_run.stderr,
    )
    assert fast.stdout.strip() or fast.stderr.startswith("error: ")


def test_the_plain_coercion_of_arguments_is_installed() -> None:
    """cli.py bypasses Typer's pydantic coercion through a Typer internal; if a Typer upgrade
    moves it, commands still work (only slower) and this test is what says so."""
    import cli

    assert cli.PLAIN_COERCION
