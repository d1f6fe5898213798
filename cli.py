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

import typer
from typer._click import exceptions as click_exceptions

from usererror import ExitCode, UserError

if TYPE_CHECKING:
    from rich.console import Console

__version__ = "0.1.0"


def _install_plain_coercion() -> bool:
    """Convert str/int/float parameters without importing pydantic (~200 ms); True when installed.

    Typer 0.29 coerces every parameter through a pydantic ``TypeAdapter``, which made any
    command with an argument (even ``learn list``) pay pydantic's import. Our parameters are
    plain scalars, so a direct conversion gives the same values; any other annotation keeps
    Typer's own coercion. It patches Typer's private layer: if Typer changes it, the CLI still
    works (Typer's own coercion) and ``tests/unit/test_cli_typer_patch.py`` fails.
    """
    try:
        from typer import core as typer_core
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam
    except (
        ImportError
    ):  # third-party private API (Typer, not the project): keep Typer's own coercion
        return False
    original = getattr(typer_core, "build_runtime_param", None)
    if original is None:
        return False
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
    return True


PLAIN_COERCION = _install_plain_coercion()
"""Whether Typer's parameter coercion was replaced (a test fails when it no longer can be)."""


def _console(stderr: bool = False) -> Console:
    from cli_commands import console

    return console(stderr)


def fail(message: str, code: int = ExitCode.USAGE) -> NoReturn:
    """Print a one-line red error on stderr and exit (2 = usage error)."""
    from rich.markup import escape

    _console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True
    )
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
        os._exit(ExitCode.INTERRUPTED)
    raise SystemExit(ExitCode.INTERRUPTED)


class LearnApp(typer.Typer):
    """Typer app whose errors are one clear line, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        command = typer.main.get_command(self._only_invoked(kwargs.get("args")))
        try:
            result = command.main(args=kwargs.get("args"), prog_name="learn", standalone_mode=False)
        except UserError as error:
            fail(error.message, error.exit_code)
        except (KeyboardInterrupt, typer.Abort):
            _exit_interrupted()
        except click_exceptions.UsageError as error:
            hint = "learn --help"
            if error.ctx is not None:
                hint = f"{error.ctx.command_path} --help"
            fail(f"{error.format_message()} (see `{hint}`)", ExitCode.USAGE)
        except click_exceptions.ClickException as error:
            fail(error.format_message(), error.exit_code)
        except BrokenPipeError:
            raise SystemExit(ExitCode.OK) from None
        if result == ExitCode.INTERRUPTED:  # Typer turns KeyboardInterrupt into exit code 130
            _exit_interrupted()
        raise SystemExit(result if isinstance(result, int) else ExitCode.OK)

    def _only_invoked(self, args: list[str] | None) -> typer.Typer:
        """This app, or a copy holding only the top-level command ``args`` start with.

        Typer builds a Click command for every registered command (~10 ms for all of them);
        `learn list` needs one. The copy keeps the root callback and options, so the command
        runs, fails and prints its help exactly as in the full app. Anything else (no command,
        an option first, a group, a typo, shell completion) gets the full app.
        """
        argv = sys.argv[1:] if args is None else list(args)
        if not argv or any(name.startswith("_LEARN_COMPLETE") for name in os.environ):
            return self
        wanted = [info for info in self.registered_commands if info.name == argv[0]]
        if len(wanted) != 1:
            return self
        slim = LearnApp.__new__(LearnApp)
        slim.__dict__.update(self.__dict__, registered_commands=wanted, registered_groups=[])
        return slim


app = LearnApp(
    name="learn",
    help="Learn Python concurrency by fixing real concurrency bugs, graded with evidence.",
    rich_markup_mode=None,
    no_args_is_help=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _group(help_text: str, usage: str) -> typer.Typer:
    """A command group that, called without a subcommand, says in one line what to add."""
    group = typer.Typer(help=help_text, no_args_is_help=False)

    @group.callback(invoke_without_command=True)
    def _need_subcommand(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            raise UserError(
                f"`{ctx.command_path}` needs a subcommand: {usage} (see `{ctx.command_path} --help`)"
            )

    return group


def _confirm(question: str, flag: str = "--yes") -> bool:
    """Ask a yes/no question; end of input is a one-line error (use ``flag``), Ctrl-C exits 130."""
    try:
        answer = input(f"{question} [y/N]: ")
    except EOFError:
        raise UserError(
            f'no answer to "{question}" (end of input): add {flag} to go ahead without asking'
        ) from None
    return answer.strip().lower() in ("y", "yes")


run_app = _group(
    "Run a lesson (example) or a challenge program.",
    "`learn run example N` or `learn run challenge N`",
)
show_app = _group("Show the source and lesson of an example.", "`learn show example N`")
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
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Learn Python concurrency by fixing real concurrency bugs, graded with evidence.

    Without a command: where you are (current challenge, its status) and the one next command.
    """
    if ctx.invoked_subcommand is None:
        from cli_render import render_resume
        from learner.loop import resume

        render_resume(_console(), resume())


# ---------------------------------------------------------------------------------------------
# Lessons (examples) and the catalogue
# ---------------------------------------------------------------------------------------------


@app.command("list")
def list_command(
    what: Annotated[str, typer.Argument(help="lessons (or examples), challenges, or all")] = "all",
) -> None:
    """List the lessons and challenges with their concepts, difficulty and your status."""
    from cli_commands import list_catalogue

    list_catalogue(what)


@run_app.command("example")
def run_example(
    number: Annotated[int, typer.Argument(help="Lesson number (see `learn list examples`).")],
    variant: Annotated[
        str | None,
        typer.Option("--variant", "-v", help="Run one variant, e.g. threads or asyncio."),
    ] = None,
    threads: Annotated[
        bool, typer.Option("--threads", help="Shortcut for --variant threads.")
    ] = False,
    use_asyncio: Annotated[
        bool, typer.Option("--asyncio", help="Shortcut for --variant asyncio.")
    ] = False,
) -> None:
    """Run a narrated lesson: `learn run example 1`."""
    from learner.lessons import run_lesson

    if threads and use_asyncio:
        raise UserError("choose one of --threads and --asyncio, not both")
    chosen = variant or ("threads" if threads else "asyncio" if use_asyncio else None)
    run_lesson(number, chosen)


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

profile_app = _group("Learner profiles: create, switch, list.", "create, switch or list")
app.add_typer(profile_app, name="profile")


def _challenge_titles() -> dict[int, str]:
    from cli_commands import challenge_titles

    return challenge_titles()


@app.command("progress")
def progress_command() -> None:
    """Your level, XP bar, per-challenge status, achievements, streak and today's daily."""
    from cli_commands import show_progress

    show_progress()


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
def profile_create(
    name: Annotated[str, typer.Argument(help="1-32 letters, digits, '.', '_' or '-'.")],
) -> None:
    """Create a profile (then `learn profile switch NAME`)."""
    from tracker import create_profile

    create_profile(name)
    _console().print(
        f"created profile [bold]{name}[/] · switch to it with `learn profile switch {name}`"
    )


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
    _console().print(
        f"exported {count} recorded events to [bold]{path}[/] · `learn import {path}` elsewhere"
    )


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A file written by `learn export`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a profile that already has progress.")
    ] = False,
    as_name: Annotated[
        str | None, typer.Option("--as", help="Import under another profile name.")
    ] = None,
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
    yes: Annotated[
        bool, typer.Option("--yes", help="Move a damaged database aside and start fresh.")
    ] = False,
) -> None:
    """Check the progress database; with --yes, move a damaged one to a backup and start fresh."""
    from tracker import repair_progress

    result = repair_progress(confirmed=yes)
    if result.healthy:
        _console().print("your progress database is healthy: nothing to repair")
    else:
        _console().print(
            f"moved the damaged database to [bold]{result.backup}[/] and started a fresh one"
        )


# --- practical and services ---
practical_app = _group(
    "Concurrency patterns against real brokers and databases.", "list or run NAME"
)
services_app = _group("The servers practical modules need: status, up, down.", "status, up or down")
app.add_typer(practical_app, name="practical")
app.add_typer(services_app, name="services")


@practical_app.command("list")
def practical_list() -> None:
    """List the practical modules, the service each needs and its patterns."""
    from practical import all_modules
    from practical.render import render_modules

    render_modules(_console(), all_modules())


@practical_app.command("run")
def practical_run(
    name: Annotated[str, typer.Argument(help="Module name (see `learn practical list`).")],
    pattern: Annotated[
        str | None, typer.Option("--pattern", "-p", help="Run one pattern only.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print the drivers' own log lines.")
    ] = False,
) -> None:
    """Run a practical module against its real server: `learn practical run rabbitmq`."""
    from extras import require
    from learner.lessons import run_practical_module
    from practical import get_module

    get_module(name)
    require("practical", f"`learn practical run {name}`")
    run_practical_module(name, pattern, verbose=verbose)


@services_app.command("status")
def services_status() -> None:
    """Show each service, its address and whether it is reachable (and why not)."""
    from practical.render import render_status
    from practical.services import SERVICES, probe_all

    render_status(_console(), probe_all(SERVICES))


@services_app.command("up")
def services_up() -> None:
    """Start the services: docker compose, or the local servers when Docker is missing."""
    from extras import require
    from practical.render import render_up
    from practical.services import docker_available, up

    if not docker_available():
        require("servers", "`learn services up` without Docker")
    render_up(_console(), up())


@services_app.command("down")
def services_down() -> None:
    """Stop what `learn services up` started."""
    from practical.services import down

    stopped = down()
    _console().print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


# ---------------------------------------------------------------------------------------------
# --- benchmarks ---
# ---------------------------------------------------------------------------------------------

bench_app = _group(
    "Measure threads vs processes vs asyncio (and more) on this machine, with explanations.",
    "list, run SUITE, history or compare",
)
app.add_typer(bench_app, name="bench")


@bench_app.command("list")
def bench_list() -> None:
    """List the benchmark suites (each one a question) and other areas' benchmark scripts."""
    from benchmarks.bench import list_benchmarks

    list_benchmarks(_console())


@bench_app.command("run")
def bench_run(
    name: Annotated[
        str,
        typer.Argument(
            help="A suite (e.g. cpu-bound), `all`, or a script (see `learn bench list`)."
        ),
    ],
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes: seconds instead of minutes.")
    ] = False,
) -> None:
    """Run a benchmark suite and explain its numbers: `learn bench run cpu-bound`."""
    from benchmarks.bench import run_benchmark
    from extras import require

    require("bench", "`learn bench run`")

    code = run_benchmark(_console(), name, quick)
    if code:
        raise typer.Exit(code)


@bench_app.command("history")
def bench_history(
    suite: Annotated[str | None, typer.Argument(help="Only this suite.")] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="Only cases whose name contains this.")
    ] = None,
) -> None:
    """Show every stored run's medians (queried with DuckDB)."""
    from benchmarks.bench import show_history
    from extras import require

    require("bench", "`learn bench history`")

    show_history(_console(), suite, case)


@bench_app.command("compare")
def bench_compare(
    before: Annotated[
        int | None, typer.Argument(help="Run id (see `learn bench history`).")
    ] = None,
    after: Annotated[int | None, typer.Argument(help="Run id to compare it with.")] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="Compare this suite's two latest runs.")
    ] = None,
) -> None:
    """Compare two stored runs of a suite, case by case (default: the two latest)."""
    from benchmarks.bench import compare_runs
    from extras import require

    require("bench", "`learn bench compare`")

    compare_runs(_console(), before, after, suite)


# ---------------------------------------------------------------------------------------------
# --- learner loop (challenges) ---
# ---------------------------------------------------------------------------------------------


@app.command("init")
def init_command(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="Workspace folder (default: ./concurrency-lab-workspace, or the clone's workspace/)."
        ),
    ] = None,
) -> None:
    """Create your workspace and record it: every command then finds it from any directory."""
    import os

    from learner.workspace import WORKSPACE_ENV, init_workspace

    path = init_workspace(folder)
    console = _console()
    console.print(f"[green]your workspace:[/] {path}  [dim](recorded in your profile)[/]")
    if os.environ.get(WORKSPACE_ENV):
        console.print(
            f"[yellow]note:[/] {WORKSPACE_ENV}={os.environ[WORKSPACE_ENV]} is set and overrides it"
        )
    console.print("[bold cyan]Next[/]  learn challenge 1")


@app.command("doctor")
def doctor_command(
    no_services: Annotated[
        bool, typer.Option("--no-services", help="Do not probe the practical modules' servers.")
    ] = False,
) -> None:
    """Check Python, your workspace, the progress database, optional extras and services."""
    from cli_render import render_doctor
    from doctor import diagnose

    checks = diagnose(services=not no_services)
    render_doctor(_console(), checks)
    if any(not check.ok and not check.optional for check in checks):
        raise typer.Exit(ExitCode.FAILED)


@app.command("challenge")
def challenge_command(
    number: Annotated[int, typer.Argument(help="Challenge number (see `learn list challenges`).")],
) -> None:
    """Read a challenge's story and get your own copy of its program to fix."""
    from learner.render import render_challenge_intro
    from learner.workspace import ensure_working_copy

    render_challenge_intro(_console(), ensure_working_copy(number))


@run_app.command("challenge")
def run_challenge_command(
    number: Annotated[int, typer.Argument(help="Challenge number.")],
    original: Annotated[
        bool, typer.Option("--original", help="Run the original, not your copy.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds before a hang is cut off.")
    ] = 10.0,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Challenges 9-16: the whole timeline of this fault seed."),
    ] = None,
) -> None:
    """Run your copy of a challenge program to see the symptom (hangs show the stuck threads)."""
    import math

    from learner.loop import run_challenge
    from learner.render import render_run

    if not math.isfinite(timeout) or timeout <= 0:
        raise UserError(f"--timeout must be a positive number of seconds, got {timeout}")
    path, result = run_challenge(number, original=original, deadline_s=timeout, seed=seed)
    render_run(_console(), path, result)


@app.command("check")
def check_command(
    number: Annotated[int, typer.Argument(help="Challenge number.")],
    file: Annotated[
        str | None, typer.Option("--file", help="Grade this file instead of your workspace copy.")
    ] = None,
    replay: Annotated[
        int | None, typer.Option("--replay", help="Re-run the exact failing seed a report printed.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the grade as JSON.")] = False,
) -> None:
    """Grade your fix with evidence: exit 0 when it passes, 1 when it does not, 3 if the grader failed."""
    from pathlib import Path

    from learner.loop import check

    report = check(number, Path(file) if file else None, replay=replay)
    if as_json:
        import json

        print(json.dumps(report.result.to_json(), indent=2))
    else:
        from learner.render import render_check

        render_check(_console(), report)
    if report.result.internal_errors:
        raise typer.Exit(ExitCode.GRADER_ERROR)
    if not report.result.passed:
        raise typer.Exit(ExitCode.FAILED)


@app.command("watch")
def watch_command(
    number: Annotated[
        int | None, typer.Argument(help="Challenge to start with (default: your current one).")
    ] = None,
) -> None:
    """Re-check your copy on every save; keys + Enter: h hint, r run, l list, n next, q quit."""
    from challenges import get_challenge
    from learner.loop import check, current_challenge
    from learner.render import render_check
    from learner.watch import Signal, WatchLoop, run_watch

    console = _console()

    def grade(current: int) -> bool:
        console.rule(f"challenge {current}")
        report = check(current)
        render_check(console, report)
        return report.result.passed

    def act(signal: Signal, current: int) -> None:
        if signal == "hint":
            hint_command(current)
        elif signal == "run":
            run_challenge_command(current, original=False, timeout=10.0)
        elif signal == "list":
            list_command("challenges")

    def introduce(current: int) -> None:
        challenge_command(current)

    if number is None:
        number = current_challenge()
        if number is None:
            raise UserError(
                "you have passed every challenge: nothing to watch (see `learn progress`)"
            )
    get_challenge(number)
    announce = lambda text: console.print(f"[cyan]{text}[/]", soft_wrap=True)  # noqa: E731
    run_watch(WatchLoop(number, grade, announce=announce, act=act, introduce=introduce))


@app.command("hint")
def hint_command(number: Annotated[int, typer.Argument(help="Challenge number.")]) -> None:
    """Show one more hint for a challenge (from a nudge to a near-answer)."""
    from learner.hints import next_hint
    from learner.render import render_hints
    from learner.workspace import write_hints

    view = next_hint(number)
    console = _console()
    render_hints(console, view)
    written = write_hints(number, view.title, view.shown, view.total)
    if written is not None:
        console.print(f"[dim]saved beside your copy: {written}[/]")


@app.command("solution")
def solution_command(
    number: Annotated[int, typer.Argument(help="Challenge number.")],
    approach: Annotated[
        str | None, typer.Option("--approach", help="Show one approach only.")
    ] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show them before you have passed.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Whole files, not what differs from your copy.")
    ] = False,
) -> None:
    """Show the reference solutions, their trade-offs and what differs from your copy."""
    import tracker
    from challenges import get_challenge
    from learner.loop import solutions_for
    from learner.render import render_solutions
    from learner.workspace import existing_copy

    get_challenge(number)
    question = f"Reveal the solutions of challenge {number} before passing it?"
    if reveal and not yes and not tracker.has_passed(number) and not _confirm(question):
        _console().print(f"Not revealed. Another hint may be enough: learn hint {number}")
        raise typer.Exit(ExitCode.FAILED)
    yours = None if full else existing_copy(number)
    render_solutions(_console(), solutions_for(number, reveal=reveal), approach, yours)


@app.command("reset")
def reset_command(
    number: Annotated[int, typer.Argument(help="Challenge number.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Restore the original program (your copy is backed up first)."""
    from challenges import get_challenge
    from learner.workspace import reset_program, working_copy_path

    path = working_copy_path(get_challenge(number))
    if not yes and not _confirm(
        f"Replace your copy of challenge {number} ({path}) with the original?"
    ):
        _console().print(f"Your copy is unchanged: {path}")
        raise typer.Exit(ExitCode.FAILED)
    backup = reset_program(number)
    console = _console()
    console.print(f"[green]challenge {number} restored to the original:[/] {path}")
    if backup is not None:
        console.print(f"your previous copy is saved at {backup}")


# --- interactive (tui, quiz, visualize, trace) ---


@app.command("quiz")
def quiz_command(
    topic: Annotated[
        str | None, typer.Option("--topic", "-t", help="Only this topic (see --list-topics).")
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", help="How many questions.")] = 10,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Shuffle seed (same seed, same questions).")
    ] = None,
    list_topics: Annotated[
        bool, typer.Option("--list-topics", help="List the topics and exit.")
    ] = False,
) -> None:
    """Answer quiz questions in the terminal; missed ones come back later."""
    from interactive.quiz import TOPICS, QuizSession, default_progress, load_bank
    from interactive.quiz.terminal import run_terminal_quiz

    console = _console()
    if list_topics:
        for key, name in TOPICS.items():
            console.print(f"[bold cyan]{key:<18}[/] {name}")
        return
    session = QuizSession.start(
        load_bank(), default_progress(), count=count, topic=topic, seed=seed
    )
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
        raise UserError(
            f"cannot run '{kind}': choose example or challenge, e.g. `learn visualize example 3`"
        )
    return kind, number


def _visual_file(kind: str, number: int, file: Path | None, original: bool) -> Path | None:
    """Which program a challenge runs: --file PATH, --original, or (None) the learner's copy."""
    if file is None and not original:
        return None
    if kind != "challenge":
        raise UserError(
            "--file and --original choose a challenge's program: use them with `challenge N`"
        )
    if file is not None and original:
        raise UserError("choose one of --file and --original")
    if original:
        from challenges import get_challenge

        return get_challenge(number).program_path
    assert file is not None
    if not file.is_file():
        raise UserError(f"cannot run {file}: no such file")
    return file.resolve()


_FILE_HELP = "Run this file instead of your copy (challenges only)."
_ORIGINAL_HELP = "Run the original broken program instead of your copy (challenges only)."


@app.command("visualize")
def visualize_command(
    kind: Annotated[str, typer.Argument(help="example or challenge")],
    number: Annotated[int, typer.Argument(help="Its number (see `learn list`).")],
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Seed for the program's randomness (simulated challenges: the fault seed).",
        ),
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", help=_FILE_HELP)] = None,
    original: Annotated[bool, typer.Option("--original", help=_ORIGINAL_HELP)] = False,
) -> None:
    """Run a lesson or challenge instrumented (sandboxed) and watch its threads, locks and queues live."""
    from interactive.app import LearnTui

    target = _visual_target(kind, number)
    tui = LearnTui(
        start=target, start_seed=seed, start_file=_visual_file(kind, number, file, original)
    )
    tui.run()
    if tui.return_code:
        raise typer.Exit(tui.return_code)


@app.command("trace")
def trace_command(
    kind: Annotated[str, typer.Argument(help="example or challenge")],
    number: Annotated[int, typer.Argument(help="Its number (see `learn list`).")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="Where to write the trace JSON.")
    ] = "trace.json",
    seed: Annotated[int, typer.Option("--seed", help="Seed for the program's randomness.")] = 0,
    deadline: Annotated[
        float, typer.Option("--deadline", help="Stop the program after this many seconds.")
    ] = 60.0,
    file: Annotated[Path | None, typer.Option("--file", help=_FILE_HELP)] = None,
    original: Annotated[bool, typer.Option("--original", help=_ORIGINAL_HELP)] = False,
) -> None:
    """Record a run (sandboxed) as Chrome trace-event JSON (open it in https://ui.perfetto.dev)."""
    from interactive.visualizer.render import record_with_progress, render_trace_summary
    from interactive.visualizer.runner import LiveRun, Target
    from interactive.visualizer.trace import write_trace

    kind, number = _visual_target(kind, number)
    program = _visual_file(kind, number, file, original)
    path = Path(output)
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: folder {path.parent} does not exist")
    console = _console()
    run = LiveRun(Target(kind, str(number), program), seed=seed, deadline_s=deadline)
    record_with_progress(console, run)
    written = write_trace(run.recorded(), path, killed=run.killed, title=f"{kind} {number}")
    render_trace_summary(console, run, path, written)


if __name__ == "__main__":  # pragma: no cover
    app()
