"""The real clock and sleep, captured before instrumentation may replace ``time``'s functions.

Checks that measure wall time (timing, performance, leak grace periods) use these, so a
virtual clock installed for the learner's code never distorts the grader's own measurements.
"""

from __future__ import annotations

import time

__all__ = ["monotonic", "perf_counter", "perf_counter_ns", "sleep"]

sleep = time.sleep
monotonic = time.monotonic
perf_counter = time.perf_counter
perf_counter_ns = time.perf_counter_ns
