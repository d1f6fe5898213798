"""Challenge 8: more threads, same speed (a global lock held across slow I/O)."""

from __future__ import annotations

import threading
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
    expect,
    settles,
)


def each_page_once(mod: ModuleType) -> None:
    """Three workers crawl a six-page site: every page is indexed, and fetched exactly once."""
    site = mod.Website(pages=6, fan_out=2, latency_seconds=0.0)
    index = mod.Crawler(site, workers=3).crawl("/page/1", limit=6)
    expected = {f"/page/{n}" for n in range(6)}
    expect(
        set(index) == expected,
        f"pages indexed: {sorted(index)}, expected all of {sorted(expected)}",
        kind=FindingKind.INVARIANT,
    )
    twice = sorted(url for url, count in site.fetches.items() if count > 1)
    expect(
        not twice,
        f"pages fetched more than once: {twice}",
        "two workers both decided the page was new before either recorded it (check-then-act)",
    )


def two_crawls_share_the_crawler(mod: ModuleType) -> None:
    """Two crawls from the same page run at once on one crawler: they reach every page at the same
    moment, yet every page is indexed and fetched exactly once. Two workers per crawl, so a
    'lock' that lets several threads in (a semaphore) is not a mutex by accident."""
    site = mod.Website(pages=3, fan_out=1, latency_seconds=0.001)
    crawler = mod.Crawler(site, workers=2)
    threads = [
        threading.Thread(target=crawler.crawl, args=("/page/1", 3), name=f"crawl-{n}")
        for n in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(
        len(crawler.index) == 3,
        f"{len(crawler.index)} of 3 pages in the index: {sorted(crawler.index)}",
    )
    twice = sorted(url for url, count in site.fetches.items() if count > 1)
    expect(
        not twice,
        f"pages fetched more than once: {twice}",
        "two threads both decided the page was new before either recorded it (check-then-act)",
    )


def a_waiting_crawl_does_not_hold_up_another(mod: ModuleType) -> None:
    """Two crawls on one crawler: crawl A's fetch of /page/1 hangs on the network (the scenario
    holds it) while crawl B crawls /page/2, which A never touches. B must finish meanwhile: a
    lock that one crawl holds while it waits for the network must not stop another crawl."""
    network_back = threading.Event()

    class SlowPageSite(mod.Website):  # type: ignore[name-defined]
        def fetch(self, url: str) -> str:
            if url == "/page/1":
                network_back.wait()
            return f"<html><h1>{url}</h1><p>{'lorem ipsum ' * 5}</p></html>"  # no links

    crawler = mod.Crawler(SlowPageSite(pages=4, fan_out=1, latency_seconds=0.0), workers=2)
    finished: list[str] = []

    def crawl_b() -> None:
        crawler.crawl("/page/2", 2)
        finished.append("B")

    waiting = threading.Thread(target=crawler.crawl, args=("/page/1", 1), name="crawl-A")
    other = threading.Thread(target=crawl_b, name="crawl-B")
    waiting.start()
    other.start()
    done = settles(lambda: bool(finished) or not other.is_alive())
    network_back.set()
    waiting.join()
    other.join()
    expect(
        done,
        "crawl B (/page/2) could not finish while crawl A waited for the network on /page/1",
        "both crawls ran on one Crawler and share no page, yet B waited until A's fetch came back",
        "a lock held for a whole crawl (or across a fetch) makes every crawl of the crawler wait for "
        "the slowest page: hold locks only around the shared bookkeeping",
        kind=FindingKind.SERIALIZED,
    )


def every_worker_can_wait_on_the_network(mod: ModuleType) -> None:
    """Eight workers crawl 21 pages (levels of 1, 4 and 16 pages, 10 ms per fetch): while the
    third level is fetched, all eight workers must be able to wait on the network at once."""
    in_flight = [0, 0]  # now, most
    count_lock = threading.Lock()

    class CountingSite(mod.Website):  # type: ignore[name-defined]
        def fetch(self, url: str) -> str:
            with count_lock:
                in_flight[0] += 1
                in_flight[1] = max(in_flight[1], in_flight[0])
            try:
                return str(super().fetch(url))
            finally:
                with count_lock:
                    in_flight[0] -= 1

    site = CountingSite(pages=64, fan_out=4, latency_seconds=0.01)
    index = mod.Crawler(site, workers=8).crawl("/page/1", 21)
    expect(len(index) == 21, f"a crawl limited to 21 pages indexed {len(index)}")
    expect(
        in_flight[1] >= 8,
        f"with 8 workers and 16 pages to fetch, at most {in_flight[1]} fetches were ever in flight at once",
        "a cap on concurrent fetches below the number of workers makes more threads no faster: the "
        "README asks that crawls with more threads get faster when the work waits on the network",
        kind=FindingKind.SERIALIZED,
    )


def limit_is_exact(mod: ModuleType) -> None:
    """A crawl limited to 4 pages of a 12-page site indexes exactly 4, each fetched once."""
    site = mod.Website(pages=12, fan_out=3, latency_seconds=0.001)
    index = mod.Crawler(site, workers=3).crawl("/page/1", limit=4)
    expect(len(index) == 4, f"a crawl limited to 4 pages indexed {len(index)}: {sorted(index)}")
    fetched = sorted(url for url, count in site.fetches.items() if count)
    expect(
        set(fetched) <= set(index),
        f"pages fetched but not indexed: {sorted(set(fetched) - set(index))}",
    )
    twice = sorted(url for url, count in site.fetches.items() if count > 1)
    expect(not twice, f"pages fetched more than once: {twice}")


def failed_fetch_is_not_hidden(mod: ModuleType, ctx: CheckContext) -> None:
    """The network fails for one page (an injected fault): the crawl must not return an index
    that silently lacks it."""

    class FlakySite(mod.Website):  # type: ignore[name-defined]
        def fetch(self, url: str) -> str:
            if url == "/page/3":
                raise ConnectionError("connection reset while fetching /page/3")
            return str(super().fetch(url))

    site = FlakySite(pages=6, fan_out=2, latency_seconds=0.0)
    try:
        index = mod.Crawler(site, workers=2).crawl("/page/1", limit=6)
    except Exception:
        return
    expect(
        "/page/3" in index,
        f"fetching /page/3 failed (injected ConnectionError) and the crawl returned {len(index)} pages without it",
        "a crawl that loses pages must say so: let the error reach the caller (or retry the page)",
        kind=FindingKind.INVARIANT,
    )


def customer_site(mod: ModuleType) -> None:
    """Crawl 32 pages (5 ms per fetch) with 8 workers: fetches must overlap."""
    site = mod.Website(pages=32, latency_seconds=0.005)
    mod.Crawler(site, workers=8).crawl("/page/1", limit=32)


SPEC = ChallengeSpec(
    number=8,
    slug="performance",
    title="More threads, same speed",
    summary="A crawler with 16 threads is as slow as with one: a lock is held across every fetch.",
    concepts=(
        "lock contention",
        "critical section size",
        "I/O-bound vs CPU-bound",
        "GIL",
        "Amdahl's law",
    ),
    difficulty=3,
    intended=FindingKind.LOCK_HELD_DURING_IO,
    checks=(
        ScheduleCheck(
            "every page exactly once",
            each_page_once,
            max_schedules=80,
            hint="Claim a URL and check it in one atomic step, then fetch it with no lock held.",
        ),
        # A racy claim here needs two threads to take turns three times (check, check, claim):
        # random walks do that; priority-based strategies (PCT) cannot, so they get fewer turns.
        ScheduleCheck(
            "two crawls share the crawler",
            two_crawls_share_the_crawler,
            max_schedules=200,
            strategies=("random", "dfs", "random", "focus"),
        ),
        ScheduleCheck(
            "a crawl waiting for the network does not hold up another",
            a_waiting_crawl_does_not_hold_up_another,
            max_schedules=8,  # the wait is structural: it shows in the first schedule that has it
            kind=FindingKind.SERIALIZED,
            hint="No lock may be held while a crawl waits for the network, not even a lock of the whole crawl.",
        ),
        ScheduleCheck(
            "every worker can wait on the network",
            every_worker_can_wait_on_the_network,
            strategies=("dfs",),
            max_schedules=1,  # structural: the default schedule lets every worker start its fetch
            kind=FindingKind.SERIALIZED,
            hint="Nothing may cap the fetches in flight below the number of workers (a semaphore, a lock).",
        ),
        ScheduleCheck(
            "the limit is exact", limit_is_exact, max_schedules=40, kind=FindingKind.INVARIANT
        ),
        PropertyCheck(
            "a failed fetch is not hidden", failed_fetch_is_not_hidden, kind=FindingKind.INVARIANT
        ),
        PerformanceCheck(
            "fetches overlap",
            customer_site,
            reference="narrow_lock",
            hint="The lock must cover the shared bookkeeping only, never the network call.",
        ),
    ),
    time_budget_seconds=60.0,
    hints=(
        "`learn check 8` names the lock that is held while sleeping in `fetch`, and the ratio to a reference crawl. Time one crawl with 1 and with 8 threads: what can the other threads do while one waits for the network?",
        "A lock should be held for as short as possible. Which statements in `_visit` actually touch shared state, and which are just slow?",
        "Split `_visit` into three steps: claim the URL (check and add to `visited`, atomically), fetch and analyse with no lock, record the result. Or keep all state in one coordinating thread and let workers share nothing.",
        "`with self.lock:` around `if url in self.visited: return []` + `self.visited.add(url)`, then `html = self.site.fetch(url)` and `analyse(html)` outside, then `with self.lock: self.index[url] = words`.",
    ),
)
