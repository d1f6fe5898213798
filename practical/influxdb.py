"""InfluxDB 2: time series from many producers, batched, and Flux windows (influxdb-client).

Writing one point per HTTP request wastes the network: the client's *batching* write API
collects points from every producer into batches (by size or by interval) and sends them from a
background thread, retrying with back-off. Producers only enqueue — they never wait for the
server. Reading, Flux's ``aggregateWindow`` groups points into fixed time windows on the server.
(The async client needs aiohttp, which this project does not ship; the batching API gives
producers the same non-blocking writes.)
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from practical._narrate import Narrator, unique_name
from practical.services import get_service

TITLE = "InfluxDB 2: batched writes from many producers, Flux windows"
SERVICE = "influxdb"
PATTERNS = {
    "batched-writes": "eight producers enqueue points; the client batches them in the background",
    "flux-windows": "per-minute means and counts with aggregateWindow",
}

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
            point = (Point(measurement).tag("sensor", f"s{sensor}").field("value", float(i % 60))
                     .time(START + timedelta(seconds=i)))
            api.write(bucket=bucket(), record=point)  # enqueues: returns at once

    start = time.perf_counter()
    with influx.write_api(write_options=WriteOptions(batch_size=1000, flush_interval=200)) as api, \
            ThreadPoolExecutor(producers) as pool:
        list(pool.map(lambda sensor: produce(api, sensor), range(producers)))
    return time.perf_counter() - start  # leaving the `with` flushed every batch


def _delete(influx: Any, measurement: str) -> None:
    influx.delete_api().delete(START - timedelta(days=1), START + timedelta(days=1),
                               f'_measurement="{measurement}"', bucket=bucket())


def _count(influx: Any, measurement: str) -> int:
    flux = (f'from(bucket: "{bucket()}") |> range(start: {START.isoformat()}, stop: {(START + timedelta(days=1)).isoformat()}) '
            f'|> filter(fn: (r) => r._measurement == "{measurement}") |> group() |> count()')
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
    out.lesson("producers enqueue, a background writer batches: the network sees few large requests")


def pattern_flux_windows(out: Narrator, producers: int = 4, minutes: int = 5) -> None:
    measurement = unique_name("temperature")
    influx = client()
    try:
        _write(influx, measurement, producers, minutes * 60)
        flux = (f'from(bucket: "{bucket()}") |> range(start: {START.isoformat()}, stop: {(START + timedelta(minutes=minutes)).isoformat()}) '
                f'|> filter(fn: (r) => r._measurement == "{measurement}") '
                '|> aggregateWindow(every: 1m, fn: mean, createEmpty: false)')
        out.step("aggregateWindow(every: 1m, fn: mean) per sensor")
        start = time.perf_counter()
        tables = influx.query_api().query(flux)
        out.rate("query_rows_per_s", producers * minutes * 60, time.perf_counter() - start, "points")
        means = [record.get_value() for table in tables for record in table.records]
    finally:
        _delete(influx, measurement)
        influx.close()
    out.fact("windows", len(means), f"(sensor, minute) windows (expected {producers * minutes})")
    out.fact("all_means_29_5", all(abs(m - 29.5) < 1e-9 for m in means), "every window's mean is 29.5")
    out.lesson("the server groups by time window; ship the aggregate, not the raw points")
