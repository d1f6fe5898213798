"""Rich rendering for `learn practical` and `learn services` (kept out of cli.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from practical._registry import PracticalModule
    from practical.services import Reachability, UpReport


def render_modules(console: Console, modules: tuple[PracticalModule, ...]) -> None:
    from rich.table import Table

    table = Table(title="Practical modules (learn practical run NAME [--pattern P])")
    table.add_column("module", style="bold")
    table.add_column("service")
    table.add_column("patterns")
    for module in modules:
        services = dict.fromkeys([module.service, *(s for _, s in module.pattern_services)])
        table.add_row(module.name, ", ".join(services), ", ".join(module.patterns))
    console.print(table)


def render_status(console: Console, results: list[Reachability]) -> None:
    from rich.table import Table

    table = Table(title="Services (override an address with its environment variable)")
    for column in ("service", "address", "env var", "status", "why"):
        table.add_column(column)
    for reach in results:
        status = "[green]reachable[/]" if reach.reachable else "[red]unreachable[/]"
        table.add_row(
            reach.service.name, reach.address, reach.service.env_var, status, reach.reason
        )
    console.print(table)
    from practical.services import docker_available
    from practical.services._local import why_not_local

    missing = [r.service for r in results if not r.reachable]
    docker = docker_available()
    why_not = {s.name: None if docker else why_not_local(s.name) for s in missing}
    startable = [s for s in missing if why_not[s.name] is None]
    if startable:
        console.print(
            f"Start {', '.join(s.name for s in startable)} with [bold]learn services up[/]."
        )
    for service in (s for s in missing if why_not[s.name] is not None):
        # `up` cannot start it here: say why, and how to run it by hand instead.
        console.print(
            f"{service.name}: `learn services up` cannot start it here ({why_not[service.name]}); "
            f"run your own server and point {service.env_var} at it."
        )


def render_up(console: Console, report: UpReport) -> None:
    if report.mode == "docker":
        console.print(f"[green]docker compose started:[/] {', '.join(report.started)}")
        return
    console.print("Docker is not available: starting the servers that run locally.")
    if report.started:
        console.print(
            f"[green]started:[/] {', '.join(report.started)} (stop with `learn services down`)"
        )
    if report.already_running:
        console.print(f"already reachable: {', '.join(report.already_running)}")
    for name, why in report.unavailable:
        console.print(f"[yellow]unavailable:[/] {name}: {why}")
