"""InfluxDB 2: time series from many producers, batched, and Flux windows (influxdb-client).

Writing one point per HTTP request wastes the network: the client's *batching* write API
collects points from every producer into batches (by size or by interval) and sends them from a
background thread, retrying with back-off. Producers only enqueue — they never wait for the
server. Reading, Flux's ``aggregateWindow`` groups points into fixed time windows on the server.
(The async client needs aiohttp, which this project does not ship; the batching API gives
producers the same non-blocking writes.) These two patterns run only when ``INFLUXDB_URL`` points
at an InfluxDB 2 (`docker compose up influxdb`).

The wire format under all of it is *line protocol*: ``measurement,tag=v field=1.5 <time>``, one
point a line, many lines a request. ``line-protocol`` writes it by hand, from concurrent writers,
one point per request and then in batches, to VictoriaMetrics: not InfluxDB, but a server that
accepts InfluxDB's line protocol (Debian's package; `learn services up` starts it). It answers
queries in PromQL/MetricsQL, not Flux, names each field ``<measurement>_<field>``, and keeps a
retried batch twice where InfluxDB keeps one point per series and timestamp.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name
from practical.services import get_service
from usererror import UserError

TITLE = "InfluxDB 2: batched writes from many producers, Flux windows"
SERVICE = "influxdb"
PATTERNS = {
    "batched-writes": "eight producers enqueue points; the client batches them in the background",
    "flux-windows": "per-minute means and counts with aggregateWindow",
    "line-protocol": "line protocol by hand to VictoriaMetrics (Influx-compatible): per point vs batched, a retried batch",
}
PATTERN_SERVICES = {"line-protocol": "victoriametrics"}

START = datetime(2026, 1, 1, tzinfo=UTC)
"""Points are written at fixed times, so windows and counts are reproducible."""


def client() -> Any:
    from influxdb_client import InfluxDBClient

    return InfluxDBClient(
        url=get_service("influxdb").url,
        token=os.environ.get("INFLUXDB_TOKEN", "concurrency-lab-token"),
        org=os.environ.get("INFLUXDB_ORG", "concurrency-lab"),
    )


def bucket() -> str:
    return os.environ.get("INFLUXDB_BUCKET", "lab")


def _write(influx: Any, measurement: str, producers: int, points_each: int) -> float:
    """Every producer writes ``points_each`` points (one per second of event time); returns seconds."""
    from influxdb_client import Point, WriteOptions

    def produce(api: Any, sensor: int) -> None:
        for i in range(points_each):
            point = (
                Point(measurement)
                .tag("sensor", f"s{sensor}")
                .field("value", float(i % 60))
                .time(START + timedelta(seconds=i))
            )
            api.write(bucket=bucket(), record=point)  # enqueues: returns at once

    start = time.perf_counter()
    with (
        influx.write_api(write_options=WriteOptions(batch_size=1000, flush_interval=200)) as api,
        ThreadPoolExecutor(producers) as pool,
    ):
        list(pool.map(lambda sensor: produce(api, sensor), range(producers)))
    return time.perf_counter() - start  # leaving the `with` flushed every batch


def _delete(influx: Any, measurement: str) -> None:
    influx.delete_api().delete(
        START - timedelta(days=1),
        START + timedelta(days=1),
        f'_measurement="{measurement}"',
        bucket=bucket(),
    )


def _count(influx: Any, measurement: str) -> int:
    flux = (
        f'from(bucket: "{bucket()}") |> range(start: {START.isoformat()}, stop: {(START + timedelta(days=1)).isoformat()}) '
        f'|> filter(fn: (r) => r._measurement == "{measurement}") |> group() |> count()'
    )
    tables = influx.query_api().query(flux)
    return sum(int(record.get_value()) for table in tables for record in table.records)


def pattern_batched_writes(out: Narrator, producers: int = 8, points_each: int = 2000) -> None:
    measurement = unique_name("temperature")
    influx = client()
    try:
        out.step(f"{producers} producer threads each enqueue {points_each} points; batches of 1000")
        seconds = _write(influx, measurement, producers, points_each)
        out.rate("points_per_s", producers * points_each, seconds, "points")
        stored = _count(influx, measurement)
    finally:
        _delete(influx, measurement)
        influx.close()
    out.fact("stored", stored, f"points stored (of {producers * points_each})")
    out.lesson(
        "producers enqueue, a background writer batches: the network sees few large requests"
    )


def pattern_flux_windows(out: Narrator, producers: int = 4, minutes: int = 5) -> None:
    measurement = unique_name("temperature")
    influx = client()
    try:
        _write(influx, measurement, producers, minutes * 60)
        flux = (
            f'from(bucket: "{bucket()}") |> range(start: {START.isoformat()}, stop: {(START + timedelta(minutes=minutes)).isoformat()}) '
            f'|> filter(fn: (r) => r._measurement == "{measurement}") '
            "|> aggregateWindow(every: 1m, fn: mean, createEmpty: false)"
        )
        out.step("aggregateWindow(every: 1m, fn: mean) per sensor")
        start = time.perf_counter()
        tables = influx.query_api().query(flux)
        out.rate(
            "query_rows_per_s", producers * minutes * 60, time.perf_counter() - start, "points"
        )
        means = [record.get_value() for table in tables for record in table.records]
    finally:
        _delete(influx, measurement)
        influx.close()
    out.fact("windows", len(means), f"(sensor, minute) windows (expected {producers * minutes})")
    out.fact(
        "all_means_29_5", all(abs(m - 29.5) < 1e-9 for m in means), "every window's mean is 29.5"
    )
    out.lesson("the server groups by time window; ship the aggregate, not the raw points")


def _lines(measurement: str, sensor: int, first: int, count: int) -> str:
    """``count`` points of one sensor, one a second from START + ``first`` s (second precision)."""
    base = int(START.timestamp())
    return "".join(
        f"{measurement},sensor=s{sensor} value={(first + i) % 60}.5 {base + first + i}\n"
        for i in range(count)
    )


class LineProtocolWriter:
    """Concurrent writers POSTing line protocol to ``/write`` (httpx; one pooled client for all)."""

    def __init__(self, url: str) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.http = httpx.Client(
            timeout=httpx.Timeout(20, connect=2), limits=httpx.Limits(max_connections=16)
        )

    def _ok(self, answer: Any, status: int = 200) -> Any:
        if answer.status_code != status:
            raise UserError(
                f"{self.url} answered {answer.status_code} to {answer.request.url.path} "
                f"({answer.text.strip()[:80]!r}): is VICTORIAMETRICS_URL a VictoriaMetrics server?"
            )
        return answer

    def write(self, body: str) -> None:
        self._ok(
            self.http.post(f"{self.url}/write", params={"precision": "s"}, content=body.encode()),
            204,
        )

    def run(self, measurement: str, writers: int, points: int, batch: int) -> float:
        """``writers`` threads each write ``points`` points in requests of ``batch`` lines; seconds."""

        def writer(sensor: int) -> None:
            for first in range(0, points, batch):
                self.write(_lines(measurement, sensor, first, min(batch, points - first)))

        start = time.perf_counter()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(writer, range(writers)))
        return time.perf_counter() - start

    def flush(self) -> None:
        """Make what was just written searchable now (VictoriaMetrics buffers it for about a second)."""
        self._ok(self.http.get(f"{self.url}/internal/force_flush"))

    def query(self, promql: str) -> float:
        """An instant query one hour after START, over a window that holds every point; the sum of the result."""
        at = int(START.timestamp()) + 3600
        answer = self._ok(
            self.http.get(f"{self.url}/api/v1/query", params={"query": promql, "time": at})
        )
        return sum(float(item["value"][1]) for item in answer.json()["data"]["result"])

    def stored(self, metric: str) -> int:
        """Samples stored for ``metric`` (duplicates included), from the raw export."""
        import json

        answer = self._ok(self.http.get(f"{self.url}/api/v1/export", params={"match[]": metric}))
        return sum(
            len(json.loads(line)["values"]) for line in answer.text.splitlines() if line.strip()
        )

    def delete(self, metric: str) -> None:
        self._ok(
            self.http.get(
                f"{self.url}/api/v1/admin/tsdb/delete_series", params={"match[]": metric}
            ),
            204,
        )


def pattern_line_protocol(
    out: Narrator, writers: int = 8, points: int = 2000, single: int = 100
) -> None:
    out.warn(
        "this runs on VictoriaMetrics, an InfluxDB-compatible server for writes, not InfluxDB: queries "
        "are PromQL/MetricsQL (no Flux), and field 'value' of measurement m is the metric m_value"
    )
    vm = LineProtocolWriter(get_service("victoriametrics").url)
    measurements = {kind: unique_name(f"cpu_{kind}") for kind in ("single", "batched")}
    try:
        out.step(f"{writers} writers, one point per request: {single} points each")
        seconds = vm.run(measurements["single"], writers, single, 1)
        per_point = out.rate("single_points_per_s", writers * single, seconds, "points")

        out.step(
            f"{writers} writers, {points} points each, in requests of 1000 lines: "
            f"{_lines(measurements['batched'], 0, 0, 1).strip()!r} ..."
        )
        seconds = vm.run(measurements["batched"], writers, points, 1000)
        batched = out.rate("batched_points_per_s", writers * points, seconds, "points")
        out.fact(
            "batching_speedup", batched / per_point, "batched / one-point-per-request throughput"
        )

        vm.flush()
        metric = f"{measurements['batched']}_value"
        total = writers * points
        out.fact(
            "queried",
            int(vm.query(f"sum(count_over_time({metric}[2h]))")),
            f"points counted by a query (of {total})",
        )
        per_sensor = vm.query(f"count(count_over_time({metric}[2h]) == {points})")
        out.fact(
            "sensors_complete", int(per_sensor), f"sensors with all {points} points (of {writers})"
        )

        out.step("a writer times out and sends its first batch again (at-least-once writes)")
        vm.write(_lines(measurements["batched"], 0, 0, 1000))
        vm.flush()
        out.fact("stored_after_retry", vm.stored(metric), f"samples stored (of {total} distinct)")
        out.fact(
            "queried_after_retry",
            int(vm.query(f"sum(count_over_time({metric}[2h]))")),
            "points counted by a query after the retry",
        )
        out.lesson(
            "a retried batch is stored twice here, and a query counts one per timestamp; InfluxDB keeps "
            "one point per series and timestamp, so there the retry is idempotent"
        )
    finally:
        cleanup_sync(
            out,
            *(
                (f"delete the series of {m}", lambda m=m: vm.delete(f"{m}_value"))
                for m in measurements.values()
            ),
            ("close the client", vm.http.close),
        )
    out.lesson(
        "batch the lines: a request per point spends its time on round trips, not on writing"
    )
