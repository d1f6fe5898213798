# fix-judgement: right
# class: other (Future per URL)
# why: Claiming a URL creates its Future under the lock; the owner fetches unlocked with up to 3 attempts, then sets result or exception (claim removed on failure, error re-raised); a concurrent visitor waits on the Future outside the lock
"""Fix: each URL is claimed by creating its Future under the lock; the owner fetches unlocked
(3 attempts, then the error propagates) and concurrent visitors wait on the Future."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

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
        self._pages: dict[str, Future[list[str]]] = {}

    ATTEMPTS = 3

    def _visit(self, url: str) -> list[str]:
        """Fetch and index ``url`` once; return the links to follow."""
        with self.lock:
            page = self._pages.get(url)
            owner = page is None
            if owner:
                page = self._pages[url] = Future()
                self.visited.add(url)
        if not owner:
            return page.result()  # another crawl has it (or had it): share its outcome
        try:
            for attempt in range(1, self.ATTEMPTS + 1):
                try:
                    html = self.site.fetch(url)  # no lock held while waiting for the network
                    break
                except Exception:
                    if attempt == self.ATTEMPTS:
                        raise
            links, words = analyse(html)
        except BaseException as error:
            with self.lock:
                del self._pages[url]
                self.visited.discard(url)
            page.set_exception(error)
            raise
        with self.lock:
            self.index[url] = words
        page.set_result(links)
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        frontier = [start]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier and len(self.visited) < limit:
                batch = list(dict.fromkeys(u for u in frontier if u not in self.visited))[: limit - len(self.visited)]
                frontier = [link for links in pool.map(self._visit, batch) for link in links]
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
