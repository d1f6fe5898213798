"""One thread counts (shared reads: focus points), another sleeps: the probe must not wake the
sleeper early (move the clock) while the counter can still run."""

import time

count = 0
finished_at = None


def bump():
    global count, finished_at
    for _ in range(3):
        count = count + 1
    finished_at = time.monotonic()


def nap():
    time.sleep(1.0)
