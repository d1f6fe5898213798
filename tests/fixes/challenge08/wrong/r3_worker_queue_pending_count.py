# fix-judgement: wrong
# class: drops-work
# why: written as right; relabelled after review: a fetch error kills its worker thread and the crawl returns an index without the page (the original raises it through pool.map); the README now states that failed fetches must surface
"""Site crawler of an SEO tool: crawls a customer's website and indexes its pages.

A pool of threads fetches pages (slow network calls), extracts their links and word counts
(CPU work), and follows the links breadth-first up to a page limit. Customers complain that a
crawl of their 2,000-page site takes 20 minutes; the team doubled the threads to 16 and the
crawl took... exactly as long.
"""

from __future__ import annotations

import re
import threading
import queue
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
    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()

    def _claim(self, url: str, limit: int) -> bool:
        """Reserve ``url`` for fetching (once per crawler, at most ``limit`` pages)."""
        with self.lock:
            if url in self.visited or len(self.visited) >= limit:
                return False
            self.visited.add(url)
            return True

    def _fetch_and_index(self, url: str) -> list[str]:
        html = self.site.fetch(url)  # no lock held while waiting for the network
        links, words = analyse(html)
        with self.lock:
            self.index[url] = words
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index.

        Worker threads take URLs from a FIFO queue; a URL is claimed when it is discovered, and
        ``pending`` counts the claimed URLs not processed yet, so the crawl ends exactly when
        no worker can discover anything new.
        """
        todo: queue.Queue[str | None] = queue.Queue()
        done = threading.Condition()
        pending = 0

        def schedule(url: str) -> None:
            nonlocal pending
            if self._claim(url, limit):
                with done:
                    pending += 1
                todo.put(url)

        def worker() -> None:
            nonlocal pending
            while (url := todo.get()) is not None:
                try:
                    for link in self._fetch_and_index(url):
                        schedule(link)
                finally:
                    with done:
                        pending -= 1
                        if pending == 0:
                            done.notify_all()

        threads = [threading.Thread(target=worker, name=f"crawler-{i}") for i in range(self.workers)]
        for thread in threads:
            thread.start()
        try:
            schedule(start)
            with done:
                done.wait_for(lambda: pending == 0)
        finally:
            for _ in threads:
                todo.put(None)
            for thread in threads:
                thread.join()
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
