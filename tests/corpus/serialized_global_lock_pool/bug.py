"""Corpus (bug): serialized global lock pool."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
fetched = 0


def fetch(url):
    global fetched
    with _lock:  # "fixes" the race on `fetched`... and everything else
        time.sleep(0.02)  # the network
        fetched += 1


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, urls))
