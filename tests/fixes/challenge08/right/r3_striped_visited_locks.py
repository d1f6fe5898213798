# fix-judgement: right
# class: other
# why: visited set striped over 16 locks (claim = check+add under the URL's stripe, page count under a nested counter lock in a fixed order), fetch/analyse with no lock, index under its own lock
"""Site crawler of an SEO tool: crawls a customer's website and indexes its pages.

A pool of threads fetches pages (slow network calls), extracts their links and word counts
(CPU work), and follows the links breadth-first up to a page limit. Customers complain that a
crawl of their 2,000-page site takes 20 minutes; the team doubled the threads to 16 and the
crawl took... exactly as long.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

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
    STRIPES = 16

    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self._visited_stripes: list[set[str]] = [set() for _ in range(self.STRIPES)]
        self._stripe_locks = [threading.Lock() for _ in range(self.STRIPES)]
        self._claimed = 0
        self._count_lock = threading.Lock()  # always taken after a stripe lock, never before
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()  # guards index

    @property
    def visited(self) -> set[str]:
        """Snapshot of the URLs claimed so far."""
        snapshot: set[str] = set()
        for lock, stripe in zip(self._stripe_locks, self._visited_stripes):
            with lock:
                snapshot |= stripe
        return snapshot

    def _claim(self, url: str, limit: int) -> bool:
        number = hash(url) % self.STRIPES
        with self._stripe_locks[number]:
            stripe = self._visited_stripes[number]
            if url in stripe:
                return False
            with self._count_lock:
                if self._claimed >= limit:
                    return False
                self._claimed += 1
            stripe.add(url)
            return True

    def _visit(self, url: str, limit: int) -> list[str]:
        """Fetch and index ``url`` once; return the links to follow."""
        if not self._claim(url, limit):
            return []
        html = self.site.fetch(url)  # outside every lock
        links, words = analyse(html)
        with self.lock:
            self.index[url] = words
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        frontier = [start]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier:
                visited = self.visited
                remaining = limit - len(visited)
                if remaining <= 0:
                    break
                batch = list(dict.fromkeys(u for u in frontier if u not in visited))[:remaining]
                frontier = [link for links in pool.map(lambda u: self._visit(u, limit), batch) for link in links]
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
