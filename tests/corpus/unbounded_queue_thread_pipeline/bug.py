"""Corpus (bug): unbounded queue thread pipeline."""

import queue
import threading
import time


def pipeline(items):
    """Producer feeds a slow consumer; returns the deepest the queue got."""
    q = queue.Queue()
    peak = 0

    def consume():
        while q.get() is not None:
            time.sleep(0.00002)

    consumer = threading.Thread(target=consume)
    consumer.start()
    for item in range(items):
        q.put(item)
        peak = max(peak, q.qsize())
    q.put(None)
    consumer.join()
    return peak
