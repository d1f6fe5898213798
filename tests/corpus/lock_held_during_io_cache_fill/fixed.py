"""Corpus (fixed): lock held during io cache fill."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

_cache = {}
_cache_lock = threading.Lock()


def lookup(key):
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    value = key.upper()
    time.sleep(0.02)  # slow backend call, no lock held
    with _cache_lock:
        return _cache.setdefault(key, value)


def fetch_all(keys):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lookup, keys))
