# fix-judgement: wrong
# class: new-race
# idiom: asyncio.TaskGroup + asyncio.to_thread for the blocking fetch, asyncio.Semaphore(workers) bounding concurrency, default executor sized to `workers`; claims made on the event loop thread
# why: (relabelled from right, session 15) within one crawl the bookkeeping is on the loop thread, but two crawls sharing the Crawler run two event loops: each builds its batch from `visited` outside the lock and claims it afterwards, so both fetch /page/1 (the README requires no double fetch for a shared crawler); the grader could not explore an event loop in a thread before
"""Site crawler of an SEO tool: crawls a customer's website and indexes its pages.

A pool of threads fetches pages (slow network calls), extracts their links and word counts
(CPU work), and follows the links breadth-first up to a page limit. Customers complain that a
crawl of their 2,000-page site takes 20 minutes; the team doubled the threads to 16 and the
crawl took... exactly as long.
"""

from __future__ import annotations

import asyncio
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
        return asyncio.run(self._crawl(start, limit))

    async def _crawl(self, start: str, limit: int) -> dict[str, int]:
        # to_thread uses the default executor (min(32, cpus + 4) threads): size it to `workers`;
        # asyncio.run shuts it down at the end.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=self.workers))
        slots = asyncio.Semaphore(self.workers)

        async def visit(url: str) -> list[str]:
            async with slots:
                html = await asyncio.to_thread(self.site.fetch, url)  # waits in a thread
            links, words = analyse(html)
            with self.lock:
                self.index[url] = words
            return links

        frontier = [start]
        while frontier and len(self.visited) < limit:
            batch = list(dict.fromkeys(u for u in frontier if u not in self.visited))[: limit - len(self.visited)]
            with self.lock:  # claimed on the loop thread before any await
                self.visited.update(batch)
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(visit(url)) for url in batch]
            except* Exception as failed:  # re-raise the fetch's own error, as the original did
                raise failed.exceptions[0] from None
            frontier = [link for task in tasks for link in task.result()]
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
