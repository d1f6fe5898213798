"""Corpus (bug): lock held during io cache fill."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

_cache = {}
_cache_lock = threading.Lock()


def lookup(key):
    with _cache_lock:
        if key not in _cache:
            time.sleep(0.02)  # slow backend call while every other reader waits
            _cache[key] = key.upper()
        return _cache[key]


def fetch_all(keys):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lookup, keys))
