"""Corpus (fixed): serialized global lock pool."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
fetched = 0


def fetch(url):
    global fetched
    time.sleep(0.02)  # the network, outside the lock
    with _lock:
        fetched += 1


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, urls))
