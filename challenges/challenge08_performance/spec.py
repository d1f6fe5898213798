"""Challenge 8: more threads, same speed (a global lock held across slow I/O)."""

from __future__ import annotations

import threading
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, PerformanceCheck, ScheduleCheck, expect


def each_page_once(mod: ModuleType) -> None:
    """Three workers crawl a six-page site: every page is indexed, and fetched exactly once."""
    site = mod.Website(pages=6, fan_out=2, latency_seconds=0.0)
    index = mod.Crawler(site, workers=3).crawl("/page/1", limit=6)
    expected = {f"/page/{n}" for n in range(6)}
    expect(set(index) == expected, f"pages indexed: {sorted(index)}, expected all of {sorted(expected)}",
           kind=FindingKind.INVARIANT)
    twice = sorted(url for url, count in site.fetches.items() if count > 1)
    expect(not twice, f"pages fetched more than once: {twice}",
           "two workers both decided the page was new before either recorded it (check-then-act)")


def shared_index_updates(mod: ModuleType) -> None:
    """Index updates from concurrent visits are not lost."""
    site = mod.Website(pages=4, fan_out=1, latency_seconds=0.0)
    crawler = mod.Crawler(site, workers=2)
    threads = [threading.Thread(target=crawler.crawl, args=(f"/page/{n}", 4)) for n in (0, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(len(crawler.index) == 4, f"{len(crawler.index)} of 4 pages in the index: {sorted(crawler.index)}")


def customer_site(mod: ModuleType) -> None:
    """Crawl 64 pages (5 ms per fetch) with 8 workers: fetches must overlap."""
    site = mod.Website(pages=64, latency_seconds=0.005)
    mod.Crawler(site, workers=8).crawl("/page/1", limit=64)


SPEC = ChallengeSpec(
    number=8,
    slug="performance",
    title="More threads, same speed",
    summary="A crawler with 16 threads is as slow as with one: a lock is held across every fetch.",
    concepts=("lock contention", "critical section size", "I/O-bound vs CPU-bound", "GIL", "Amdahl's law"),
    difficulty=3,
    intended=FindingKind.LOCK_HELD_DURING_IO,
    checks=(
        ScheduleCheck("every page exactly once", each_page_once, max_schedules=150, max_seconds=0.6,
                      hint="Claim a URL and check it in one atomic step, then fetch it with no lock held."),
        ScheduleCheck("no lost index updates", shared_index_updates, max_schedules=100, max_seconds=0.5),
        PerformanceCheck("fetches overlap", customer_site, reference="narrow_lock",
                         hint="The lock must cover the shared bookkeeping only, never the network call."),
    ),
    hints=(
        "`learn check 8` names the lock that is held while sleeping in `fetch`, and the ratio to a reference crawl. Time one crawl with 1 and with 8 threads: what can the other threads do while one waits for the network?",
        "A lock should be held for as short as possible. Which statements in `_visit` actually touch shared state, and which are just slow?",
        "Split `_visit` into three steps: claim the URL (check and add to `visited`, atomically), fetch and analyse with no lock, record the result. Or keep all state in one coordinating thread and let workers share nothing.",
        "`with self.lock:` around `if url in self.visited: return []` + `self.visited.add(url)`, then `html = self.site.fetch(url)` and `analyse(html)` outside, then `with self.lock: self.index[url] = words`.",
    ),
)
