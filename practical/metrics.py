"""Metrics: instrument a worker pool with prometheus-client, scrape it with a real Prometheus.

A process *exposes* its metrics on ``/metrics``; Prometheus *scrapes* them every interval and
stores each as a time series. A *counter* only goes up (jobs done, by outcome): Prometheus turns
it into a rate with ``rate()``. A *gauge* goes up and down (jobs in progress) and is only seen at
scrape instants. A *histogram* counts observations into cumulative *buckets*; the P95 that
``histogram_quantile`` reads back is interpolated inside a bucket, so its accuracy is the
buckets' width, not the data's: the same latencies through coarse and fine buckets give two
different P95s: coarse buckets assume latencies spread evenly from 50 to 100 ms and answer 75,
where fine ones, with a boundary near the slow jobs, answer close to the true 55.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name
from practical.services import get_service, setting

TITLE = "Metrics: a worker pool instrumented with prometheus-client, read back with PromQL"
SERVICE = "prometheus"
PATTERNS = {
    "worker-pool": "counters, a gauge and histograms of a thread pool, scraped; rate, errors and P95 in PromQL",
}

COARSE = (0.05, 0.1, 0.25, 0.5, 1.0)
FINE = (0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.055, 0.06, 0.07, 0.08, 0.1, 0.25)


def exporter_port() -> int:
    """Where this process serves /metrics: the port the Prometheus configuration scrapes."""
    return int(setting("prometheus", "METRICS_PORT", "8000"))


def promql(query: str, at: float | None = None) -> float:
    """The single value of an instant PromQL query (NaN when it has no result)."""
    params = {"query": query, **({"time": f"{at:.3f}"} if at is not None else {})}
    url = (
        f"{get_service('prometheus').url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode(params)}"
    )
    with urllib.request.urlopen(url, timeout=5) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise RuntimeError(f"Prometheus refused {query!r}: {answer.get('error')}")
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def pattern_worker_pool(out: Narrator, jobs: int = 400, workers: int = 4) -> None:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

    run = unique_name("run")
    registry = CollectorRegistry()
    done = Counter("lab_jobs", "Jobs finished, by outcome", ["run", "outcome"], registry=registry)
    busy = Gauge("lab_jobs_in_progress", "Jobs being worked on now", ["run"], registry=registry)
    coarse = Histogram(
        "lab_job_seconds_coarse",
        "Job duration (5 buckets)",
        ["run"],
        buckets=COARSE,
        registry=registry,
    )
    fine = Histogram(
        "lab_job_seconds_fine",
        "Job duration (14 buckets)",
        ["run"],
        buckets=FINE,
        registry=registry,
    )
    for outcome in ("ok", "error"):
        done.labels(run, outcome)  # both series exist from the first scrape, at 0
    server, _ = start_http_server(exporter_port(), addr="127.0.0.1", registry=registry)
    try:
        out.step(
            f"serving /metrics on 127.0.0.1:{exporter_port()}; Prometheus at {get_service('prometheus').url} scrapes it"
        )
        _wait_for_scrape(f'lab_jobs_total{{run="{run}"}}', 0.0)

        rng = random.Random(7)  # every 10th job waits on a slow dependency; every 20th fails
        plan = [
            (
                0.052 + 0.004 * rng.random() if i % 10 == 9 else 0.005 + 0.02 * rng.random(),
                i % 20 == 0,
            )
            for i in range(jobs)
        ]
        durations: list[float] = []
        lock = threading.Lock()

        def work(job: tuple[float, bool]) -> None:
            seconds, fails = job
            with busy.labels(run).track_inprogress():
                start = time.perf_counter()
                time.sleep(seconds)  # the job: waiting on I/O, as most pool work does
                elapsed = time.perf_counter() - start
            coarse.labels(run).observe(elapsed)
            fine.labels(run).observe(elapsed)
            done.labels(run, "error" if fails else "ok").inc()
            with lock:
                durations.append(elapsed)

        out.step(
            f"{jobs} jobs on a pool of {workers} threads: 90% take 5-25 ms, 10% ~55 ms; 5% fail"
        )
        began = time.time()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, plan))
        ended = time.time()
        local_rate = jobs / (ended - began)
        out.fact("local_jobs_per_s", local_rate, "throughput measured in the process (jobs/s)")

        selector = f'run="{run}"'
        _wait_for_scrape(f"sum(lab_jobs_total{{{selector}}})", float(jobs))
        window = max(2, int(ended - began) - 1)  # a window inside the run, ending with it
        out.step("PromQL on what Prometheus stored")
        out.fact(
            "scraped_total",
            promql(f"sum(lab_jobs_total{{{selector}}})"),
            f"sum(lab_jobs_total) (of {jobs})",
        )
        out.fact(
            "promql_rate",
            promql(f"sum(rate(lab_jobs_total{{{selector}}}[{window}s]))", at=ended),
            f"sum(rate(lab_jobs_total[{window}s])) at the end of the run (jobs/s)",
        )
        out.fact("planned_errors", sum(fails for _, fails in plan), "jobs that failed")
        out.fact(
            "error_percent",
            promql(
                f'100 * sum(lab_jobs_total{{{selector},outcome="error"}}) / sum(lab_jobs_total{{{selector}}})'
            ),
            "100 * errors / all jobs (%)",
        )
        out.fact(
            "max_in_progress",
            promql(f"max_over_time(lab_jobs_in_progress{{{selector}}}[5m])"),
            f"highest in-progress gauge seen at a scrape (pool of {workers})",
        )
        true_p95 = _percentile(durations, 0.95) * 1000
        out.fact("true_p95_ms", true_p95, "true P95 of the durations (ms)")
        for name, buckets in (("coarse", COARSE), ("fine", FINE)):
            estimate = (
                promql(
                    f"histogram_quantile(0.95, sum by (le) (lab_job_seconds_{name}_bucket{{{selector}}}))"
                )
                * 1000
            )
            out.fact(
                f"{name}_p95_ms",
                estimate,
                f"histogram_quantile(0.95) over {len(buckets)} {name} buckets (ms)",
            )
            out.fact(f"{name}_p95_error_ms", abs(estimate - true_p95), f"{name}: off by (ms)")
    finally:
        cleanup_sync(out, ("stop the /metrics server", server.shutdown))
    out.lesson(
        "counters become rates in PromQL; a gauge is sampled, not watched; a histogram's P95 is as "
        "precise as its buckets around the P95 — put boundaries where your SLO is"
    )


def _wait_for_scrape(query: str, expected: float, deadline: float = 30.0) -> None:
    """Wait until Prometheus has scraped a sample where ``query`` equals ``expected``."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if promql(query) == expected:
            return
        time.sleep(0.25)  # polling a server that scrapes on its own clock
    raise RuntimeError(
        f"Prometheus at {get_service('prometheus').url} did not scrape 127.0.0.1:{exporter_port()} within "
        f"{deadline:g} s: its configuration must scrape that port (METRICS_PORT)"
    )
