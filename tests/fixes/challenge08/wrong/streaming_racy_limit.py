# fix-judgement: wrong
# class: new-race
# breaks: 'at most `limit` pages' / every page fetched once
# scenario: limit=137, 16 threads: each task checks `len(self.index) < limit` before claiming, but the index only grows after a fetch completes, so while 16 fetches are in flight every new task passes the check: the crawl fetches and indexes up to limit+15 pages, and which pages get in depends on timing (not breadth-first) (observed: Website(500, fan_out=4, latency 0.5 ms), limit=137, 16 workers: 141 pages indexed, a different set from the breadth-first reference)
# why: Streams the crawl (submit each link as soon as it is found) with a correct per-url claim, but the page limit is a check-then-act on a count that lags behind the in-flight fetches.
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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

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

    def _visit(self, url: str) -> list[str]:
        """Fetch and index ``url`` once; return the links to follow."""
        with self.lock:  # claim the page: check and add in one critical section
            if url in self.visited:
                return []
            self.visited.add(url)
        html = self.site.fetch(url)  # network wait: no lock held
        links, words = analyse(html)
        with self.lock:
            self.index[url] = words
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        self._limit = limit
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            pending: set[Future[list[str]]] = {pool.submit(self._visit_within_limit, start)}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    for link in future.result():
                        if link not in self.visited:
                            pending.add(pool.submit(self._visit_within_limit, link))
        return self.index

    def _visit_within_limit(self, url: str) -> list[str]:
        if len(self.index) >= self._limit:  # enough pages indexed
            return []
        return self._visit(url)


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
