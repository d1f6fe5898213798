"""HBase: row-level atomic check-and-put, so a job is claimed once (REST gateway, threads).

HBase changes one row atomically: every cell of a Put to one row lands together, and
*check-and-put* tests one cell's current value and applies the Put only if it matches, as one
step under the row's lock on its region server. That is how many workers claim jobs from a table
without a lock service: "set status=taken, owner=me if status is still queued". Reading the
status and then writing it from the client is a race: every worker that read "queued" believes
the job is its own. Over the REST gateway (``PUT /table/row?check=put``) the Put's cells come
first and the cell to check comes last; the answer is 200 when applied, 304 when the check failed.

The pattern on a real HBase runs only when ``HBASE_URL`` points at a REST gateway (no HBase
installs here: `docker compose up hbase`). The same lesson runs on Redis, the nearest real store:
a row becomes a hash and check-and-put a Lua script, which Redis runs atomically. The difference:
HBase locks one row (other rows, on other regions and servers, go on in parallel) and keeps
timestamped versions of every cell on disk; a Redis script stops the whole single-threaded
server while it runs, and the data lives in memory.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name
from practical.services import get_service
from usererror import UserError

TITLE = "HBase: check-and-put claims each job once (and the same on Redis with a Lua script)"
SERVICE = "hbase"
PATTERNS = {
    "check-and-put": "workers claim jobs: get-then-put lets every worker win, check-and-put exactly one",
    "redis-check-and-put": "the same claims on Redis hashes: HGET-then-HSET, then an atomic Lua check-and-put",
}
PATTERN_SERVICES = {"redis-check-and-put": "redis"}

CHECK_AND_PUT_LUA = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
  return 1
end
return 0
"""
"""HBase's checkAndPut as a Redis script: if field ARGV[1] == ARGV[2], HSET the pairs that follow."""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class HBaseRest:
    """The few REST gateway calls the pattern needs (httpx; one client shared by every thread)."""

    def __init__(self, url: str, transport: Any = None) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.http = httpx.Client(
            timeout=httpx.Timeout(10, connect=2),
            transport=transport,
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )

    def _check(self, answer: Any, *ok: int) -> Any:
        if answer.status_code not in ok:
            raise UserError(
                f"{self.url} answered {answer.status_code} to {answer.request.method} "
                f"{answer.request.url.path} ({answer.text.strip()[:80]!r}): is HBASE_URL an HBase REST gateway?"
            )
        return answer

    def create_table(self, table: str, family: str) -> None:
        self._check(
            self.http.put(
                f"{self.url}/{table}/schema",
                json={"name": table, "ColumnSchema": [{"name": family}]},
            ),
            200,
            201,
        )

    def drop_table(self, table: str) -> None:
        self._check(self.http.delete(f"{self.url}/{table}/schema"), 200)

    @staticmethod
    def _cells(row: str, cells: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "Row": [
                {"key": _b64(row), "Cell": [{"column": _b64(c), "$": _b64(v)} for c, v in cells]}
            ]
        }

    def put(self, table: str, row: str, cells: dict[str, str]) -> None:
        """One Put: every cell of the row lands together."""
        self._check(
            self.http.put(f"{self.url}/{table}/{row}", json=self._cells(row, list(cells.items()))),
            200,
        )

    def get(self, table: str, row: str, column: str) -> str | None:
        answer = self.http.get(
            f"{self.url}/{table}/{row}/{column}", headers={"Accept": "application/octet-stream"}
        )
        if answer.status_code == 404:
            return None
        return str(self._check(answer, 200).content.decode())

    def check_and_put(
        self, table: str, row: str, column: str, expected: str, cells: dict[str, str]
    ) -> bool:
        """Apply ``cells`` to ``row`` only if ``column`` still holds ``expected``; True when applied."""
        body = self._cells(
            row, [*cells.items(), (column, expected)]
        )  # the cell to check comes last
        answer = self._check(
            self.http.put(f"{self.url}/{table}/{row}", params={"check": "put"}, json=body), 200, 304
        )
        return bool(answer.status_code == 200)

    def close(self) -> None:
        self.http.close()


class ClaimRace:
    """``workers`` threads try to claim each of ``jobs`` jobs, all at once, one job per round.

    Everyone reads (or is about to write) before anyone writes: the race is certain every round.
    """

    def __init__(self, workers: int, jobs: int) -> None:
        self.workers, self.jobs = workers, jobs
        self.claims: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def run(self, claim: Callable[[int, int, Callable[[], None]], bool]) -> float:
        """``claim(job, who, ready)`` returns True when ``who`` believes it got ``job``; seconds taken."""
        ready = threading.Barrier(self.workers, timeout=60)
        round_over = threading.Barrier(self.workers, timeout=60)

        def arrived() -> None:
            ready.wait()

        def worker(who: int) -> None:
            try:
                for job in range(self.jobs):
                    if claim(job, who, arrived):
                        with self._lock:
                            self.claims.append((job, who))
                    round_over.wait()
            except BaseException:
                ready.abort()
                round_over.abort()
                raise

        start = time.perf_counter()
        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(worker, range(self.workers)))
        return time.perf_counter() - start


def _report(out: Narrator, prefix: str, race: ClaimRace, seconds: float, owners: list[Any]) -> None:
    out.rate(f"{prefix}_claims_per_s", race.workers * race.jobs, seconds, "attempts")
    out.fact(
        f"{prefix}_claims",
        len(race.claims),
        f"claims the workers believe they won ({race.jobs} jobs)",
    )
    believed = {job: {who for j, who in race.claims if j == job} for job in range(race.jobs)}
    wrong = sum(
        1 for job, owner in enumerate(owners) for who in believed[job] if f"w{who}" != owner
    )
    out.fact(f"{prefix}_wrong_owner", wrong, "workers doing a job the row says is someone else's")


def pattern_check_and_put(out: Narrator, workers: int = 8, jobs: int = 10) -> None:
    hbase = HBaseRest(get_service("hbase").url)
    tables = {kind: unique_name(f"jobs_{kind}") for kind in ("racy", "checked")}
    try:
        for table in tables.values():
            hbase.create_table(table, "d")
            for job in range(jobs):
                hbase.put(table, f"job{job}", {"d:status": "queued", "d:owner": ""})

        def get_then_put(job: int, who: int, ready: Callable[[], None]) -> bool:
            free = hbase.get(tables["racy"], f"job{job}", "d:status") == "queued"
            ready()  # everyone has looked before anyone writes
            if free:
                hbase.put(tables["racy"], f"job{job}", {"d:status": "taken", "d:owner": f"w{who}"})
            return free

        out.step(
            f"{workers} workers claim each of {jobs} jobs: GET d:status, PUT status=taken, owner=me if queued"
        )
        race = ClaimRace(workers, jobs)
        seconds = race.run(get_then_put)
        _report(
            out,
            "get_put",
            race,
            seconds,
            [hbase.get(tables["racy"], f"job{j}", "d:owner") for j in range(jobs)],
        )

        def check_and_put(job: int, who: int, ready: Callable[[], None]) -> bool:
            ready()
            return hbase.check_and_put(
                tables["checked"],
                f"job{job}",
                "d:status",
                "queued",
                {"d:status": "taken", "d:owner": f"w{who}"},
            )

        out.step(
            "the same claims with check-and-put: the region server checks status and applies the Put atomically"
        )
        race = ClaimRace(workers, jobs)
        seconds = race.run(check_and_put)
        _report(
            out,
            "checked",
            race,
            seconds,
            [hbase.get(tables["checked"], f"job{j}", "d:owner") for j in range(jobs)],
        )
        out.fact(
            "refused_304",
            workers * jobs - len(race.claims),
            "check-and-puts refused with 304 Not Modified",
        )
    finally:
        cleanup_sync(
            out,
            *((f"drop table {t}", lambda t=t: hbase.drop_table(t)) for t in tables.values()),
            ("close the client", hbase.close),
        )
    out.lesson(
        "the check and the write must be one step on the server; on HBase that step is per row, "
        "so claims on different rows never wait for each other"
    )


def pattern_redis_check_and_put(out: Narrator, workers: int = 8, jobs: int = 10) -> None:
    import redis

    out.warn(
        "this runs on Redis, not HBase: a row is a hash, check-and-put a Lua script; Redis runs the "
        "script alone on the whole server, where HBase locks just the row, and keeps no cell versions"
    )
    client = redis.Redis.from_url(
        get_service("redis").url, socket_connect_timeout=2, socket_timeout=10, decode_responses=True
    )
    prefix = unique_name("jobs")
    rows = {kind: [f"{prefix}:{kind}:job{j}" for j in range(jobs)] for kind in ("racy", "checked")}
    try:
        for key in (*rows["racy"], *rows["checked"]):
            client.hset(key, mapping={"status": "queued", "owner": ""})
        script = client.register_script(CHECK_AND_PUT_LUA)

        def get_then_set(job: int, who: int, ready: Callable[[], None]) -> bool:
            free = client.hget(rows["racy"][job], "status") == "queued"
            ready()  # everyone has looked before anyone writes
            if free:
                client.hset(rows["racy"][job], mapping={"status": "taken", "owner": f"w{who}"})
            return free

        out.step(
            f"{workers} workers claim each of {jobs} jobs: HGET status, HSET status=taken, owner=me if queued"
        )
        race = ClaimRace(workers, jobs)
        seconds = race.run(get_then_set)
        _report(out, "get_put", race, seconds, [client.hget(row, "owner") for row in rows["racy"]])

        def check_and_put(job: int, who: int, ready: Callable[[], None]) -> bool:
            ready()
            return bool(
                script(
                    keys=[rows["checked"][job]],
                    args=["status", "queued", "status", "taken", "owner", f"w{who}"],
                )
            )

        out.step(
            "the same claims with a Lua check-and-put: Redis runs the check and the HSET as one step"
        )
        race = ClaimRace(workers, jobs)
        seconds = race.run(check_and_put)
        _report(
            out, "checked", race, seconds, [client.hget(row, "owner") for row in rows["checked"]]
        )
        out.fact(
            "refused",
            workers * jobs - len(race.claims),
            "check-and-puts refused (the status was no longer queued)",
        )
    finally:
        cleanup_sync(
            out,
            ("delete the job hashes", lambda: client.delete(*rows["racy"], *rows["checked"])),
            ("close the client", client.close),
        )
    out.lesson(
        "same rule as HBase: the check and the write are one server-side step; here the step holds "
        "the whole server, so keep such scripts tiny"
    )
