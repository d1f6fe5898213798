# fix-judgement: right
# class: other
# idiom: hand-made pool: `workers` threads reading a queue.Queue, queue.join() per BFS level, one None sentinel per thread to stop them
# why: Each level's urls are claimed by _visit (atomic check-and-add) and fetched concurrently by the worker threads; results are collected under a lock, and sentinels stop every thread even after an error.
"""Site crawler of an SEO tool: crawls a customer's website and indexes its pages.

A pool of threads fetches pages (slow network calls), extracts their links and word counts
(CPU work), and follows the links breadth-first up to a page limit. Customers complain that a
crawl of their 2,000-page site takes 20 minutes; the team doubled the threads to 16 and the
crawl took... exactly as long.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections import Counter

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
        frontier = [start]
        todo: queue.Queue[str | None] = queue.Queue()
        found: dict[str, list[str]] = {}
        errors: list[BaseException] = []

        def work() -> None:
            while (url := todo.get()) is not None:
                try:
                    links = self._visit(url)
                    with self.lock:
                        found[url] = links
                except BaseException as error:  # re-raised by crawl(), not swallowed
                    with self.lock:
                        errors.append(error)
                finally:
                    todo.task_done()
            todo.task_done()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        try:
            while frontier and len(self.visited) < limit and not errors:
                batch = list(dict.fromkeys(u for u in frontier if u not in self.visited))[: limit - len(self.visited)]
                found.clear()
                for url in batch:
                    todo.put(url)
                todo.join()  # the whole level is done
                frontier = [link for url in batch for link in found.get(url, [])]  # BFS order
        finally:
            for _ in threads:
                todo.put(None)
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
