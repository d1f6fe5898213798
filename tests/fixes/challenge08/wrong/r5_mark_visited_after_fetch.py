# fix-judgement: wrong
# class: new-race
# why: visited is checked under the lock but only added after the unlocked fetch, so two crawls running at once on the same Crawler both pass the check for /page/1 (and later pages) and fetch them twice; a single crawl (main) is safe because each level is deduplicated after the previous one finished
"""Fix: the lock is no longer held during fetch/analyse: check visited under the lock, do the
I/O unlocked, then record visited and index together under the lock."""

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
    def __init__(self, site: Website, workers: int = 8) -> None:
        self.site = site
        self.workers = workers
        self.visited: set[str] = set()
        self.index: dict[str, int] = {}
        """url -> number of words on the page."""
        self.lock = threading.Lock()

    def _visit(self, url: str) -> list[str]:
        """Fetch and index ``url`` once; return the links to follow."""
        with self.lock:
            if url in self.visited:
                return []
        html = self.site.fetch(url)  # network: no lock held
        links, words = analyse(html)
        with self.lock:
            self.visited.add(url)
            self.index[url] = words
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
