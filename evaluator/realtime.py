"""The real clock, sleep and threading primitives, captured at import time, before anything is patched.

The one place that holds them: the scheduler parks threads on these, the instrumented drop-ins
wrap them, and checks that measure wall time (timing, performance, leak grace periods) use the
clock here, so a virtual clock installed for the learner's code never distorts the grader's own
measurements. Import it before :func:`evaluator.instrument.install` (the instrument package does).
"""

from __future__ import annotations

import _thread
import queue
import threading
import time

__all__ = [
    "Barrier",
    "BoundedSemaphore",
    "Condition",
    "Event",
    "LifoQueue",
    "Lock",
    "PriorityQueue",
    "Queue",
    "RLock",
    "Semaphore",
    "SimpleQueue",
    "Thread",
    "allocate_lock",
    "current_thread",
    "get_ident",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
    "sleep",
    "thread_join",
    "thread_start",
    "time_",
    "time_ns",
]

allocate_lock = _thread.allocate_lock
get_ident = _thread.get_ident
Lock = threading.Lock
RLock = threading.RLock
Condition = threading.Condition
Semaphore = threading.Semaphore
BoundedSemaphore = threading.BoundedSemaphore
Event = threading.Event
Barrier = threading.Barrier
Thread = threading.Thread
thread_start = threading.Thread.start
thread_join = threading.Thread.join
current_thread = threading.current_thread
Queue = queue.Queue
LifoQueue = queue.LifoQueue
PriorityQueue = queue.PriorityQueue
SimpleQueue = queue.SimpleQueue
sleep = time.sleep
monotonic = time.monotonic
monotonic_ns = time.monotonic_ns
perf_counter = time.perf_counter
perf_counter_ns = time.perf_counter_ns
time_ = time.time
time_ns = time.time_ns
