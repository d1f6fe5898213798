# fix-judgement: right
# class: other
# why: each URL is claimed once under the lock and mapped to a Future of its links; the owner fetches unlocked on the pool, a concurrent crawl that meets the same URL waits for that Future instead of refetching, so every crawl still reaches every page
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
        self._links: dict[str, Future[list[str]]] = {}
        """url -> its links, once fetched (shared by every crawl of this crawler)."""

    def _fetch(self, url: str, links: Future[list[str]]) -> None:
        """Fetch and index a page this crawl claimed; publish its links."""
        try:
            html = self.site.fetch(url)  # no lock held while waiting for the network
            found, words = analyse(html)
            with self.lock:
                self.index[url] = words
        except BaseException as error:
            links.set_exception(error)
            raise
        links.set_result(found)

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Breadth-first crawl from ``start``, at most ``limit`` pages; returns the index.

        Each page is claimed exactly once under the lock (single flight). If another crawl of
        this crawler claimed a page first, this crawl does not fetch it again but waits for that
        crawl's result and follows the same links, so both crawls see the whole site.
        """
        seen: set[str] = set()
        frontier = [start]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier:
                batch = [url for url in dict.fromkeys(frontier) if url not in seen]
                seen.update(batch)
                level: list[Future[list[str]]] = []
                mine: list[tuple[str, Future[list[str]]]] = []
                with self.lock:  # claim the level in order: a deterministic breadth-first prefix
                    for url in batch:
                        links = self._links.get(url)
                        if links is None:
                            if len(self.visited) >= limit:
                                continue
                            self.visited.add(url)
                            links = self._links[url] = Future()
                            mine.append((url, links))
                        level.append(links)
                for running in [pool.submit(self._fetch, url, links) for url, links in mine]:
                    running.result()
                frontier = [link for links in level for link in links.result()]
                if len(self.visited) >= limit:
                    break
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
