"""When a server fails mid-run: notice within seconds, stop the pattern, say so in one line.

A pattern runs under a *watchdog* that probes its services (a TCP connect) every half second; two
misses in a row cancel the pattern, whose ``finally`` blocks then clean up with :func:`cleanup`:
every step is tried, each bounded in time, so a dead broker never stops the tables on a live
database from being dropped. An exception that escapes a pattern is checked the same way: when a
service no longer answers (or the error is a lost connection), the learner gets
:class:`ServiceLost`, a one-line :class:`UserError` (exit 2) naming the service and the fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from usererror import UserError

if TYPE_CHECKING:
    from practical._narrate import Narrator
    from practical.services import Reachability, Service

__all__ = ["ServiceLost", "cleanup", "explain_failure", "quiet_loggers", "set_verbose", "watched"]

PROBE_EVERY = 0.5
"""Seconds between the watchdog's probes."""
MISSES = 2
"""Consecutive failed probes that mean "the server is gone"."""
CLEANUP_GRACE = 3.0
"""Seconds a cancelled pattern gets to clean up before it is cancelled again."""
CLEANUP_STEP_LIMIT = 2.0
"""Seconds one cleanup step may take (a dead server would otherwise stall it for a minute)."""
LOST_STEP_LIMIT = 0.3
"""Seconds for a cleanup step on a server the watchdog found gone."""

_CONNECTION_ERRORS = frozenset(
    {
        "ConnectionError",
        "OSError",
        "TimeoutError",
        "IncompleteReadError",
        "KafkaConnectionError",
        "NodeNotReadyError",
        "RequestTimedOutError",  # aiokafka
        "ServerSelectionTimeoutError",
        "AutoReconnect",
        "NetworkTimeout",  # pymongo
        "ServiceUnavailable",
        "SessionExpired",  # neo4j
        "OperationalError",
        "PoolTimeout",  # psycopg
        "AMQPConnectionError",
        "ChannelInvalidStateError",
        "ConnectionClosed",  # aio-pika / aiormq
        "NoServersError",
        "ConnectionClosedError",
        "NoRespondersError",  # nats
        "NoHostAvailable",
        "NewConnectionError",  # cassandra, urllib3
        "EndpointConnectionError",
        "ReadTimeoutError",  # botocore
    }
)
"""Exception class names (anywhere in the MRO) that mean the connection to a server broke."""


class ServiceLost(UserError):
    """A service stopped answering (or dropped the connection) while a pattern ran."""


_QUIETED: set[str] = set()
"""The driver loggers the modules silenced (``--verbose`` lets them speak)."""
_VERBOSE = False


def quiet_loggers(*names: str) -> None:
    """Silence these driver loggers, so their retries do not bury the narration.

    Drivers log a lost connection at ERROR, once per retry (aiokafka: several a second); the
    pattern's own error, or :class:`ServiceLost`, reports it once instead. Under
    :func:`set_verbose` they log from INFO up, to stderr.
    """
    _QUIETED.update(names)
    for name in names:
        logging.getLogger(name).setLevel(logging.INFO if _VERBOSE else logging.CRITICAL)


def set_verbose(on: bool) -> None:
    """Let the driver loggers speak (``learn practical run --verbose``), or quiet them again."""
    global _VERBOSE
    _VERBOSE = on
    if on and not logging.getLogger().handlers:
        logging.basicConfig(
            format="%(name)s %(levelname)s: %(message)s"
        )  # to stderr, beside the narration
    quiet_loggers(*_QUIETED)


_LOST: set[str] = set()
"""Services the watchdog found gone during the current pattern: cleanup skips their steps."""

Step = (
    tuple[str, Callable[[], Awaitable[object]]] | tuple[str, Callable[[], Awaitable[object]], str]
)
"""``(what, step)`` or ``(what, step, service)``: what a cleanup step does, and on which server."""


async def cleanup(out: Narrator, *steps: Step, limit: float = CLEANUP_STEP_LIMIT) -> list[str]:
    """Run every step even when an earlier one fails; returns what could not be done.

    Each step gets at most ``limit`` seconds, and a step on a service the watchdog found gone
    only a moment (enough to close a client, not to wait out its retries). A failure is one
    warning line: what a failed cleanup left behind is something the learner should know about.
    """
    failed = []
    for what, step, *on in steps:
        gone = bool(on) and on[0] in _LOST
        try:
            await asyncio.wait_for(step(), LOST_STEP_LIMIT if gone else limit)
        except Exception as error:
            failed.append(what)
            out.warn(f"cleanup: could not {what} ({f'{on[0]} is down' if gone else _short(error)})")
    return failed


def cleanup_sync(out: Narrator, *steps: tuple[str, Callable[[], object]]) -> list[str]:
    """:func:`cleanup` for synchronous drivers: every step is tried (their own timeouts bound them)."""
    failed = []
    for what, step in steps:
        try:
            step()
        except Exception as error:
            failed.append(what)
            out.warn(f"cleanup: could not {what} ({_short(error)})")
    return failed


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(text) > 120:
        text = text[:117] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _leaves(error: BaseException) -> Iterable[BaseException]:
    """The error itself, its causes and (for groups) every member: where a connection error hides."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)


def is_connection_error(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) is a broken or refused connection."""
    return any(
        _CONNECTION_ERRORS & {cls.__name__ for cls in type(leaf).__mro__} for leaf in _leaves(error)
    )


def _what_to_do(service: Service, module: str) -> str:
    from practical.services._local import LAUNCHERS

    start = (
        "`learn services up`"
        if service.name in LAUNCHERS
        else "`learn services up` (with Docker) or your service manager"
    )
    return (
        f"start it again with {start}, or point {service.env_var} at a running server, "
        f"then rerun `learn practical run {module}`"
    )


def lost_message(reach: Reachability, module: str, pattern: str) -> str:
    """The one line a learner reads when ``reach.service`` went away during ``pattern``."""
    service = reach.service
    return (
        f"{service.title} at {reach.address} stopped answering during '{pattern}' ({reach.reason}): "
        f"{_what_to_do(service, module)}"
    )


_CREDENTIALS = {
    "neo4j": "set NEO4J_USER and NEO4J_PASSWORD to your server's (those of `learn services up` are used "
    "whenever NEO4J_URL points at its server)",
}


def _credentials_refused(error: BaseException, services: tuple[Service, ...]) -> UserError | None:
    """The server answered but refused the user name or password: say which variables to set."""
    if not services or not any(
        "AuthError" in {c.__name__ for c in type(leaf).__mro__} for leaf in _leaves(error)
    ):
        return None
    service = services[0]
    shown = ",".join(f"{host}:{port}" for host, port in service.host_ports())
    hint = _CREDENTIALS.get(service.name, f"put the user and password in {service.env_var}")
    return UserError(f"{service.title} at {shown} refused the credentials: {hint}")


async def _unreachable(services: Iterable[Service], limit: float = 1.0) -> Reachability | None:
    from practical.services._probe import _probe

    for reach in await asyncio.gather(*(_probe(s, limit) for s in services)):
        if not reach.reachable:
            return reach
    return None


def explain_failure(
    error: BaseException, services: tuple[Service, ...], module: str, pattern: str
) -> UserError | None:
    """A one-line error when ``error`` came from a server going away (or refusing the credentials), else None."""
    if isinstance(error, UserError):
        return None
    refused = _credentials_refused(error, services)
    if refused is not None:
        return refused
    gone = asyncio.run(_unreachable(services))
    if gone is not None:
        return ServiceLost(lost_message(gone, module, pattern))
    if is_connection_error(error) and services:
        names = " or ".join(s.title for s in services)
        return ServiceLost(
            f"the connection to {names} broke during '{pattern}' ({_short(error)}), though it answers "
            f"again now: rerun `learn practical run {module}`"
        )
    return None


def run_async(main: Coroutine[Any, Any, None], teardown: float = 2.0) -> None:
    """``asyncio.run`` whose teardown waits at most ``teardown`` seconds for leftover tasks.

    After a server died, a driver's background tasks (monitors, reconnect loops) may ignore
    cancellation for their whole retry budget; the learner should not wait for them.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(main)
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=teardown))
            loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), teardown))
            loop.run_until_complete(asyncio.wait_for(loop.shutdown_default_executor(), teardown))
        except (TimeoutError, RuntimeError):
            pass
        finally:
            asyncio.set_event_loop(None)
            loop.close()


async def watched(
    pattern: Coroutine[Any, Any, None], services: tuple[Service, ...], module: str, name: str
) -> None:
    """Run ``pattern``; cancel it and raise :class:`ServiceLost` if a service stops answering."""
    from practical.services._probe import _probe

    _LOST.clear()
    task = asyncio.ensure_future(pattern)
    lost: Reachability | None = None

    async def watch() -> None:
        nonlocal lost
        misses = dict.fromkeys(services, 0)
        while not task.done():
            await asyncio.sleep(PROBE_EVERY)  # a polling interval, not a synchronisation
            for service in services:
                reach = await _probe(service, 1.0)
                misses[service] = 0 if reach.reachable else misses[service] + 1
                if misses[service] >= MISSES:
                    lost = reach
                    _LOST.add(service.name)
                    for _ in range(3):  # the pattern's finally blocks clean up what they can
                        task.cancel()
                        await asyncio.wait({task}, timeout=CLEANUP_GRACE)
                        if task.done():
                            return
                    return

    watcher = asyncio.create_task(watch())
    try:
        await task
    except BaseException:
        if lost is None:
            raise
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    if lost is not None:
        raise ServiceLost(lost_message(lost, module, name)) from None
