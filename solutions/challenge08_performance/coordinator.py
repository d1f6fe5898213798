"""Solution (a coordinator owns the state, workers share nothing) — site crawler of an SEO tool: crawls a customer's website and indexes its pages.

A pool of threads fetches pages (slow network calls), extracts their links and word counts
(CPU work), and follows the links breadth-first up to a page limit. Customers complain that a
crawl of their 2,000-page site takes 20 minutes; the team doubled the threads to 16 and the
crawl took... exactly as long.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
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
    """Workers share nothing: they fetch and analyse; only the coordinating thread keeps state."""

    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self._claims = threading.Lock()
        """Guards ``visited`` when two crawls share this crawler (each crawl has its own coordinator)."""

    def _claim(self, url: str) -> bool:
        """Mark ``url`` visited; False when some crawl already claimed it."""
        with self._claims:
            if url in self.visited:
                return False
            self.visited.add(url)
            return True

    def _visit(self, url: str) -> tuple[str, list[str], int]:
        """Pure work, no shared state: fetch, analyse, return the result."""
        links, words = analyse(self.site.fetch(url))
        return url, links, words

    def crawl(self, start: str, limit: int) -> dict[str, int]:
        """Crawl at most ``limit`` pages; keep ``workers`` fetches in flight as long as there is work."""
        frontier: deque[str] = deque([start])
        in_flight: set[Future[tuple[str, list[str], int]]] = set()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while frontier or in_flight:
                # Only this thread touches frontier/in_flight; visited is shared with other crawls.
                while frontier and len(in_flight) < self.workers and len(self.visited) < limit:
                    url = frontier.popleft()
                    if self._claim(url):
                        in_flight.add(pool.submit(self._visit, url))
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    url, links, words = future.result()
                    self.index[url] = words
                    frontier.extend(links)
        return self.index


def main() -> None:
    for workers in (1, 4, 16):
        site = Website(pages=120, latency_seconds=0.01)
        started = time.perf_counter()
        index = Crawler(site, workers=workers).crawl("/page/1", limit=120)
        print(f"{workers:2} threads: {len(index)} pages in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
