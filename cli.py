"""learn: the concurrency-lab command line.

This file only parses arguments, calls one package function and renders the result with
Rich. Logic lives in the packages. Heavy libraries (textual, brokers' and databases'
drivers, duckdb) are imported inside the command that needs them, so `learn --help` stays
fast; rich itself is imported lazily for the same reason.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

# Plain (non-Rich) help keeps `learn --help` under ~150 ms; our own output still uses Rich.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402
from typer._click import exceptions as click_exceptions  # noqa: E402

from usererror import UserError  # noqa: E402

if TYPE_CHECKING:
    from rich.console import Console

__version__ = "0.1.0"


def _install_plain_coercion() -> None:
    """Convert str/int/float parameters without importing pydantic (~200 ms).

    Typer 0.29 coerces every parameter through a pydantic ``TypeAdapter``, which made any
    command with an argument (even ``learn list``) pay pydantic's import. Our parameters are
    plain scalars, so a direct conversion gives the same values; any other annotation keeps
    Typer's own coercion. If Typer's internals change, this silently does nothing.
    """
    try:
        from typer import core as typer_core
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - a Typer without this layer
        return
    original = getattr(typer_core, "build_runtime_param", None)
    if original is None:  # pragma: no cover
        return
    names = {str: "text", int: "integer", float: "number", bool: "boolean"}
    booleans = dict.fromkeys(("1", "true", "yes", "on", "y", "t"), True)
    booleans |= dict.fromkeys(("0", "false", "no", "off", "n", "f"), False)

    class PlainScalar(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind: Any = self.annotation
            if kind is bool:
                if isinstance(value, bool):
                    return value
                if str(value).strip().lower() in booleans:
                    return booleans[str(value).strip().lower()]
                raise BadParameter(f"'{value}' is not a valid boolean", ctx=ctx, param=param)
            try:
                return kind(value)
            except (TypeError, ValueError):
                message = f"'{value}' is not a valid {names[kind]}"
                raise BadParameter(message, ctx=ctx, param=param) from None

    def build(descriptor: Any) -> Any:
        kind = descriptor.annotation
        plain = descriptor.file_annotation is None and descriptor.parameter_info.parser is None
        if kind in names and plain:
            return PlainScalar(parameter_info=descriptor.parameter_info, annotation=kind)
        return original(descriptor)

    typer_core.build_runtime_param = build


_install_plain_coercion()


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line red error on stderr and exit (2 = usage error)."""
    _console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    raise SystemExit(code)


def _exit_interrupted(grace: float = 1.0) -> NoReturn:
    """Exit 130 after Ctrl-C, even if a lesson's worker thread is blocked forever.

    Python waits for every non-daemon thread at exit; a worker blocked on a queue that will
    never be fed again would hang the CLI. Give them ``grace`` seconds, then leave anyway.
    """
    import threading
    import time

    _console(stderr=True).print("\n[yellow]interrupted[/] (Ctrl-C): nothing was lost.")
    me = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not me and not t.daemon]
    deadline = time.monotonic() + grace
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in others):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    raise SystemExit(130)


class LearnApp(typer.Typer):
    """Typer app whose errors are one clear line, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        command = typer.main.get_command(self)
        try:
            result = command.main(
                args=kwargs.get("args"), prog_name="learn", standalone_mode=False
            )
        except UserError as error:
            fail(error.message, error.exit_code)
        except (KeyboardInterrupt, typer.Abort):
            _exit_interrupted()
        except click_exceptions.UsageError as error:
            hint = "learn --help"
            if error.ctx is not None:
                hint = f"{error.ctx.command_path} --help"
            fail(f"{error.format_message()} (see `{hint}`)", 2)
        except click_exceptions.ClickException as error:
            fail(error.format_message(), error.exit_code)
        except BrokenPipeError:
            raise SystemExit(0) from None
        if result == 130:  # Typer turns KeyboardInterrupt into exit code 130
            _exit_interrupted()
        raise SystemExit(result if isinstance(result, int) else 0)


app = LearnApp(
    name="learn",
    help="Learn Python concurrency by fixing real concurrency bugs, graded with evidence.",
    rich_markup_mode=None,
    no_args_is_help=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
run_app = typer.Typer(help="Run a lesson (example) or a challenge program.", no_args_is_help=True)
show_app = typer.Typer(help="Show the source and lesson of an example.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(show_app, name="show")


def _version_callback(value: bool) -> None:
    if value:
        print(f"concurrency-lab {__version__} (Python {sys.version.split()[0]})")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the version and exit.", callback=_version_callback, is_eager=True),
    ] = False,
) -> None:
    """Learn Python concurrency by fixing real concurrency bugs, graded with evidence."""
    if ctx.invoked_subcommand is None:
        from cli_render import render_welcome

        render_welcome(_console())


# ---------------------------------------------------------------------------------------------
# Lessons (examples) and the catalogue
# ---------------------------------------------------------------------------------------------


@app.command("list")
def list_command(
    what: Annotated[str, typer.Argument(help="examples, challenges, or all")] = "all",
) -> None:
    """List the lessons and challenges with their concepts, difficulty and your status."""
    from cli_render import render_catalogue

    if what not in ("all", "examples", "challenges"):
        raise UserError(f"cannot list '{what}': choose examples, challenges or all")
    render_catalogue(_console(), what)


@run_app.command("example")
def run_example(
    number: Annotated[int, typer.Argument(help="Lesson number (see `learn list examples`).")],
    variant: Annotated[
        str | None, typer.Option("--variant", "-v", help="Run one variant, e.g. threads or asyncio.")
    ] = None,
    threads: Annotated[bool, typer.Option("--threads", help="Shortcut for --variant threads.")] = False,
    use_asyncio: Annotated[bool, typer.Option("--asyncio", help="Shortcut for --variant asyncio.")] = False,
) -> None:
    """Run a narrated lesson: `learn run example 1`."""
    from examples import run_example as run

    if threads and use_asyncio:
        raise UserError("choose one of --threads and --asyncio, not both")
    chosen = variant or ("threads" if threads else "asyncio" if use_asyncio else None)
    run(number, chosen)


@show_app.command("example")
def show_example(
    number: Annotated[int, typer.Argument(help="Lesson number (see `learn list examples`).")],
) -> None:
    """Show a lesson's text and its syntax-highlighted source."""
    from cli_render import render_example_source
    from examples import get_example

    render_example_source(_console(), get_example(number))


# ---------------------------------------------------------------------------------------------
# --- progress (tracker) ---
# ---------------------------------------------------------------------------------------------

profile_app = typer.Typer(help="Learner profiles: create, switch, list.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


def _challenge_titles() -> dict[int, str]:
    from challenges import all_challenges

    return {ch.number: ch.spec.title for ch in all_challenges()}


@app.command("progress")
def progress_command() -> None:
    """Your level, XP bar, per-challenge status, achievements, streak and today's daily."""
    from tracker import progress_snapshot
    from tracker.render import render_progress

    render_progress(_console(), progress_snapshot(), _challenge_titles())


@app.command("daily")
def daily_command() -> None:
    """Today's daily challenge (the same for everyone today), its twist and its bonus XP."""
    from tracker import progress_snapshot
    from tracker.render import render_daily

    snapshot = progress_snapshot()
    title = _challenge_titles().get(snapshot.daily.challenge)
    render_daily(_console(), snapshot.daily, done=snapshot.daily_done, title=title)


@app.command("achievements")
def achievements_command() -> None:
    """Every achievement, how to unlock it, and when you did."""
    from tracker import progress_snapshot
    from tracker.render import render_achievements

    render_achievements(_console(), progress_snapshot().achievements)


@app.command("leaderboard")
def leaderboard_command() -> None:
    """All profiles on this machine, or your class's with LEARN_DATABASE_URL=postgresql://..."""
    from tracker import leaderboard, progress_snapshot
    from tracker._env import database_url
    from tracker.render import render_leaderboard

    where = "shared database" if database_url() else "this machine"
    render_leaderboard(_console(), leaderboard(), where, progress_snapshot().profile)


@profile_app.command("create")
def profile_create(name: Annotated[str, typer.Argument(help="1-32 letters, digits, '.', '_' or '-'.")]) -> None:
    """Create a profile (then `learn profile switch NAME`)."""
    from tracker import create_profile

    create_profile(name)
    _console().print(f"created profile [bold]{name}[/] · switch to it with `learn profile switch {name}`")


@profile_app.command("switch")
def profile_switch(name: Annotated[str, typer.Argument(help="An existing profile.")]) -> None:
    """Make NAME the active profile on this machine."""
    from tracker import switch_profile

    switch_profile(name)
    _console().print(f"active profile: [bold]{name}[/]")


@profile_app.command("list")
def profile_list() -> None:
    """List the profiles; * marks the active one."""
    from tracker import list_profiles
    from tracker.render import render_profiles

    render_profiles(_console(), list_profiles())


@app.command("export")
def export_command(path: Annotated[Path, typer.Argument(help="JSON file to write.")]) -> None:
    """Write your progress to a JSON file you can import on another machine."""
    from tracker import export_progress

    count = export_progress(path)
    _console().print(f"exported {count} recorded events to [bold]{path}[/] · `learn import {path}` elsewhere")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A file written by `learn export`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace a profile that already has progress.")] = False,
    as_name: Annotated[str | None, typer.Option("--as", help="Import under another profile name.")] = None,
) -> None:
    """Import a progress file after verifying it (XP is re-derived, never trusted)."""
    from tracker import import_progress

    result = import_progress(path, confirmed=yes, as_profile=as_name)
    verb = "replaced" if result.replaced else "imported"
    _console().print(
        f"{verb} profile [bold]{result.profile}[/]: {result.events} events, {result.xp} XP, "
        f"{result.achievements} achievements · `learn profile switch {result.profile}` to use it"
    )


@app.command("repair-progress")
def repair_progress_command(
    yes: Annotated[bool, typer.Option("--yes", help="Move a damaged database aside and start fresh.")] = False,
) -> None:
    """Check the progress database; with --yes, move a damaged one to a backup and start fresh."""
    from tracker import repair_progress

    result = repair_progress(confirmed=yes)
    if result.healthy:
        _console().print("your progress database is healthy: nothing to repair")
    else:
        _console().print(f"moved the damaged database to [bold]{result.backup}[/] and started a fresh one")


# --- interactive (tui, quiz, visualize, trace) ---


@app.command("quiz")
def quiz_command(
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="Only this topic (see --list-topics).")] = None,
    count: Annotated[int, typer.Option("--count", "-n", help="How many questions.")] = 10,
    seed: Annotated[int | None, typer.Option("--seed", help="Shuffle seed (same seed, same questions).")] = None,
    list_topics: Annotated[bool, typer.Option("--list-topics", help="List the topics and exit.")] = False,
) -> None:
    """Answer quiz questions in the terminal; missed ones come back later."""
    from interactive.quiz import TOPICS, QuizSession, default_progress, load_bank
    from interactive.quiz.terminal import run_terminal_quiz

    console = _console()
    if list_topics:
        for key, name in TOPICS.items():
            console.print(f"[bold cyan]{key:<18}[/] {name}")
        return
    session = QuizSession.start(load_bank(), default_progress(), count=count, topic=topic, seed=seed)
    run_terminal_quiz(session, console)


@app.command("tui")
def tui_command() -> None:
    """Open the full-screen app: dashboard, challenges, quiz and live visualizer."""
    from interactive.app import LearnTui

    LearnTui().run()


def _visual_target(kind: str, number: int) -> tuple[str, int]:
    """Check `example N` / `challenge N` before starting anything."""
    if kind == "example":
        from examples import get_example

        get_example(number)
    elif kind == "challenge":
        from challenges import get_challenge

        get_challenge(number)
    else:
        raise UserError(f"cannot run '{kind}': choose example or challenge, e.g. `learn visualize example 3`")
    return kind, number


@app.command("visualize")
def visualize_command(
    kind: Annotated[str, typer.Argument(help="example or challenge")],
    number: Annotated[int, typer.Argument(help="Its number (see `learn list`).")],
    seed: Annotated[int | None, typer.Option("--seed", help="Replay this seed.")] = None,
) -> None:
    """Run a lesson or challenge instrumented and watch its threads, locks and queues live."""
    from interactive.app import LearnTui

    LearnTui(start=_visual_target(kind, number), start_seed=seed).run()


@app.command("trace")
def trace_command(
    kind: Annotated[str, typer.Argument(help="example or challenge")],
    number: Annotated[int, typer.Argument(help="Its number (see `learn list`).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Where to write the trace JSON.")] = "trace.json",
    seed: Annotated[int, typer.Option("--seed", help="Seed for the program's randomness.")] = 0,
    deadline: Annotated[float, typer.Option("--deadline", help="Stop the program after this many seconds.")] = 60.0,
) -> None:
    """Record a run as Chrome trace-event JSON (open it in https://ui.perfetto.dev)."""
    from pathlib import Path

    from interactive.visualizer.render import render_trace_summary
    from interactive.visualizer.runner import Target, run_to_completion
    from interactive.visualizer.trace import write_trace

    kind, number = _visual_target(kind, number)
    path = Path(output)
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: folder {path.parent} does not exist")
    run = run_to_completion(Target(kind, str(number)), seed=seed, deadline_s=deadline)
    written = write_trace(run.recorded(), path)
    render_trace_summary(_console(), run, path, written)


if __name__ == "__main__":  # pragma: no cover
    app()
