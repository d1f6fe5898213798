# fix-judgement: right
# class: other (design)
# why: A url is claimed under `self.lock` as an in-progress attempt and fetched unlocked. Other crawls `wait_for` on a Condition built on the same lock (released while waiting) and get its links or re-raise its error. Each crawl keeps its own BFS `seen` and budget. A failed url is unclaimed so a later crawl retries it.
"""Fix: fetch outside the lock; a url being fetched is marked in-progress and other crawls wait on a Condition
(sharing self.lock, released while waiting) for its links or its error; each crawl keeps its own BFS seen set."""

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


class _Attempt:
    """One fetch of one url in progress; settled once it succeeded or failed."""

    __slots__ = ("settled", "error")

    def __init__(self) -> None:
        self.settled = False
        self.error: BaseException | None = None


class Crawler:
    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()
        self._settled = threading.Condition(self.lock)
        """Signalled whenever a fetch succeeds or fails; waiting on it releases the lock."""
        self._links: dict[str, list[str]] = {}
        self._fetching: dict[str, _Attempt] = {}

    def _visit(self, url: str) -> list[str]:
        """Fetch and index ``url`` unless some crawl already did; return its links."""
        with self._settled:
            while url not in self._links:
                attempt = self._fetching.get(url)
                if attempt is None:
                    attempt = self._fetching[url] = _Attempt()  # ours to fetch
                    self.visited.add(url)
                    break
                self._settled.wait_for(lambda: attempt.settled)  # another crawl is fetching it
                if attempt.error is not None:
                    raise attempt.error  # its failure is ours too: never silently skipped
            else:
                return self._links[url]
        try:
            html = self.site.fetch(url)  # network wait: no lock held
            links, words = analyse(html)
        except BaseException as error:
            with self._settled:
                del self._fetching[url]  # a later crawl may retry it
                self.visited.discard(url)
                attempt.error = error
                attempt.settled = True
                self._settled.notify_all()
            raise
        with self._settled:
            del self._fetching[url]
            self.index[url] = words
            self._links[url] = links
            attempt.settled = True
            self._settled.notify_all()
        return links

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index."""
        seen = {start}  # this crawl's own breadth-first bookkeeping
        frontier = [start]
        budget = limit
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier and budget > 0:
                batch = frontier[:budget]
                budget -= len(batch)
                frontier = []
                for links in pool.map(self._visit, batch):
                    for link in links:
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
