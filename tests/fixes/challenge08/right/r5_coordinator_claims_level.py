# fix-judgement: right
# class: other (coordinator)
# why: The crawl thread reserves each BFS level under the lock (dedup + limit in one critical section), workers only fetch/analyse unlocked and write the index briefly; wait() lets the level finish, then future.result() re-raises any fetch error
"""Fix: the crawl thread reserves each BFS level under the lock (respecting the limit) and the
workers only fetch/analyse unlocked, writing the index briefly; a failed fetch is re-raised."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait

LINK = re.compile(r'href="([^"]+)"')


class Website:
    """A customer's site, served over a slow network (each fetch waits ``latency_seconds``)."""

    def __init__(self, pages: int, fan_out: int = 4, latency_seconds: float = 0.005) -> None:
        self.pages = pages
        self.fan_out = fan_out
        self.latency_seconds = latency_seconds
        self.fetches: Counter[str] = Counter()
        self._lock = threading.Lock()

    def fetch(self, url: str) -> str:
        time.sleep(self.latency_seconds)
        with self._lock:
            self.fetches[url] += 1
        number = int(url.rsplit("/", 1)[1])
        links = [f'<a href="/page/{(number * self.fan_out + k) % self.pages}">more</a>' for k in range(1, self.fan_out + 1)]
        return f"<html><h1>Page {number}</h1><p>{'lorem ipsum dolor ' * 20}</p>{''.join(links)}</html>"


def analyse(html: str) -> tuple[list[str], int]:
    """The page's links and its number of words (CPU work)."""
    words = len(re.sub(r"<[^>]+>", " ", html).split())
    return LINK.findall(html), words


class Crawler:
    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()

    def _claim(self, frontier: list[str], limit: int) -> list[str]:
        """Atomically reserve the next level's new URLs (at most up to ``limit`` visited)."""
        with self.lock:
            batch = []
            for url in dict.fromkeys(frontier):
                if len(self.visited) >= limit:
                    break
                if url not in self.visited:
                    self.visited.add(url)
                    batch.append(url)
            return batch

    def _fetch_and_index(self, url: str) -> list[str]:
        """Worker: the URL is already reserved for us, so no lock is needed for the I/O."""
        try:
            html = self.site.fetch(url)
        except BaseException:
            with self.lock:
                self.visited.discard(url)
            raise
        links, words = analyse(html)
        with self.lock:
            self.index[url] = words
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        frontier = [start]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier:
                batch = self._claim(frontier, limit)
                if not batch:
                    break
                futures = [pool.submit(self._fetch_and_index, url) for url in batch]
                wait(futures)  # the whole level finishes (and is indexed) before we look at errors
                frontier = [link for future in futures for link in future.result()]
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
