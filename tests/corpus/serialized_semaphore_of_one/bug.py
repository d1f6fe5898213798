"""Corpus (bug): serialized semaphore of one."""

import threading
import time

_slots = threading.Semaphore(1)  # meant to be "at most 4 at once"


def fetch(url, results):
    with _slots:
        time.sleep(0.02)
        results.append(url)


def fetch_all(urls):
    results = []
    threads = [threading.Thread(target=fetch, args=(url, results)) for url in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
