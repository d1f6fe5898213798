# fix-judgement: right
# class: other (design)
# why: The crawl thread claims a level's unclaimed urls under the lock in one step and submits only those, collecting them with `as_completed`. Urls claimed by another crawl are awaited through a per-page Event, so their links and errors are shared. Failures are unclaimed and re-raised in BFS order.
"""Fix: the crawl thread claims each level's unclaimed urls under the lock and submits only those (no lock held
while fetching); pages claimed by another crawl are awaited via an Event, so their links and errors are shared."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

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


class _Page:
    """A url claimed by one crawl: others wait on ``ready`` for its links (or its error)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.links: list[str] | None = None
        self.error: BaseException | None = None


class Crawler:
    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()
        self._pages: dict[str, _Page] = {}

    def _visit(self, url: str) -> tuple[list[str], int]:
        """Fetch and analyse ``url`` (runs on a worker, no lock: the crawl thread claimed it)."""
        return analyse(self.site.fetch(url))

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        seen = {start}
        frontier = [start]
        budget = limit
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier and budget > 0:
                batch = frontier[:budget]
                budget -= len(batch)
                pages: dict[str, _Page] = {}
                mine: list[str] = []
                with self.lock:  # claim in one step whatever no crawl has claimed yet
                    for url in batch:
                        page = self._pages.get(url)
                        if page is None:
                            page = self._pages[url] = _Page()
                            self.visited.add(url)
                            mine.append(url)
                        pages[url] = page
                jobs = {pool.submit(self._visit, url): url for url in mine}
                for job in as_completed(jobs):
                    url, page = jobs[job], pages[jobs[job]]
                    try:
                        links, words = job.result()
                    except BaseException as error:
                        with self.lock:
                            del self._pages[url]  # unclaimed: a later crawl retries it
                            self.visited.discard(url)
                        page.error = error
                    else:
                        with self.lock:
                            self.index[url] = words
                        page.links = links
                    page.ready.set()
                frontier = []
                for url in batch:  # breadth-first order; pages claimed by other crawls are waited for
                    page = pages[url]
                    page.ready.wait()
                    if page.error is not None:
                        raise page.error
                    for link in page.links:
                        if link not in seen:
                            seen.add(link)
                            frontier.append(link)
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
