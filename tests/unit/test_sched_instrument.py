"""Instrumentation: install/uninstall, drop-in behaviour, names, events, many threads."""

from __future__ import annotations

import queue
import sys
import threading
import time
from pathlib import Path

import pytest

from evaluator import realtime
from evaluator.events import EventKind, event_log
from evaluator.instrument import _runtime, install, installed, uninstall
from evaluator.instrument._runtime import LockStatistics

from ._sched_support import instrumented, load_module

PROGRAMS = Path(__file__).resolve().parent / "sched_programs"


def test_install_and_uninstall_are_idempotent_and_restore_originals() -> None:
    original = (threading.Lock, threading.Thread, queue.Queue, time.sleep)
    install()
    install()
    try:
        assert installed()
        assert threading.Lock is not original[0] and queue.Queue is not original[2]
    finally:
        uninstall()
        uninstall()
    assert (threading.Lock, threading.Thread, queue.Queue, time.sleep) == original
    assert not installed()


def test_names_come_from_the_creating_line(tmp_path: Path) -> None:
    source = "from threading import Lock\nimport threading\n\nclass Bank:\n    def __init__(self):\n        self.vault = Lock()\n        self.plain = threading.RLock()\n"
    path = tmp_path / "program.py"
    path.write_text(source)
    with instrumented():
        _runtime.site_counts.clear()
        module = load_module(path)
        bank, second = module.Bank(), module.Bank()
    assert bank.vault.cl_name == "Bank.vault@program.py:6"
    assert bank.vault.statistics().description == "Lock Bank.vault"
    assert bank.plain.cl_name == "Bank.plain@program.py:7"
    assert second.vault.statistics().description == "Lock Bank.vault#2"


def test_thread_internals_keep_real_primitives() -> None:
    with instrumented():
        t = threading.Thread(target=lambda: None)
        assert type(t._started) is realtime.Event  # type: ignore[attr-defined]
        t.start()
        t.join()


def test_passthrough_records_contention_and_queue_depth() -> None:
    with instrumented(), event_log.recording():
        event_log.clear()
        lock = threading.Lock()
        q = queue.Queue()
        holder_ready = threading.Event()
        release = threading.Event()

        def holder() -> None:
            with lock:
                holder_ready.set()
                release.wait()

        t = threading.Thread(target=holder, name="holder")
        t.start()
        holder_ready.wait()
        waiter = threading.Thread(target=lambda: lock.acquire() and lock.release(), name="waiter")
        waiter.start()
        while not any(
            e.kind is EventKind.LOCK_WAIT and e.actor == "waiter" for e in event_log.snapshot()
        ):
            time.sleep(0.001)
        release.set()
        for th in (t, waiter):
            th.join()
        for i in range(3):
            q.put(i)
        q.get()
    kinds = [(e.kind, e.actor) for e in event_log.snapshot()]
    assert (EventKind.LOCK_WAIT, "waiter") in kinds and (EventKind.LOCK_ACQUIRE, "waiter") in kinds
    depths = [
        e.value
        for e in event_log.snapshot()
        if e.kind in (EventKind.QUEUE_PUT, EventKind.QUEUE_GET)
    ]
    assert depths == [1, 2, 3, 2]
    assert q.high_water == 3  # type: ignore[attr-defined]


def test_nobody_observing_means_no_events_but_the_same_behaviour() -> None:
    """Unobserved, the primitives build no event; owners, errors and queue depth are as before."""
    with instrumented():
        event_log.clear()
        lock, rlock, q = threading.Lock(), threading.RLock(), queue.Queue()
        with lock, rlock, rlock:
            assert lock.locked() and rlock._is_owned()  # type: ignore[attr-defined]
            held = lock.statistics()  # type: ignore[attr-defined]
            assert (
                isinstance(held, LockStatistics)
                and held.locked
                and held.owner_ident == threading.get_ident()
            )
        assert lock.statistics().owner_ident is None and not lock.statistics().locked  # type: ignore[attr-defined]
        assert lock.acquire(False) and not lock.acquire(False)
        lock.release()
        with pytest.raises(RuntimeError, match="release unlocked lock"):
            lock.release()
        with pytest.raises(RuntimeError, match="un-acquired"):
            rlock.release()
        for i in range(3):
            q.put(i)
        assert [q.get(), q.get(timeout=1)] == [0, 1]
        time.sleep(0)
        t = threading.Thread(target=q.get)
        t.start()
        t.join()
        unobserved = len(event_log)
        with event_log.recording():
            first = sys._getframe().f_lineno + 1
            lock.acquire()
            q.put(3)
            lock.release()
        recorded = [(e.kind, e.location) for e in event_log.snapshot()]
    assert unobserved == 0
    assert q.high_water == 3  # type: ignore[attr-defined]
    assert recorded == [
        (kind, f"test_sched_instrument.py:{first + n}")
        for n, kind in enumerate(
            (EventKind.LOCK_ACQUIRE, EventKind.QUEUE_PUT, EventKind.LOCK_RELEASE)
        )
    ]


def test_sixty_four_threads_work_in_passthrough() -> None:
    with instrumented():
        lock = threading.Lock()
        results = queue.Queue()
        total = [0]

        def work(n: int) -> None:
            for _ in range(50):
                with lock:
                    total[0] += 1
            results.put(n)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert total[0] == 64 * 50
        assert sorted(results.get() for _ in range(64)) == list(range(64))
        assert all(not t.is_alive() for t in threads)


def test_foreign_threads_still_get_dummy_thread_objects() -> None:
    import _thread

    with instrumented():
        names: queue.Queue[str] = queue.Queue()
        _thread.start_new_thread(lambda: names.put(threading.current_thread().name), ())
        assert names.get(timeout=5).startswith("Dummy-")
