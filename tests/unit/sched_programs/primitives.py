"""Exercises every instrumented primitive; correct under any schedule."""

import queue
import threading
import time


def pipeline(items):
    q = queue.Queue(maxsize=1)
    out = []
    done = threading.Event()
    sem = threading.BoundedSemaphore(2)
    barrier = threading.Barrier(2)
    cond = threading.Condition()
    state = {"ready": False}

    def producer():
        barrier.wait()
        for item in items:
            with sem:
                q.put(item)
        q.put(None)

    def consumer():
        barrier.wait()
        while True:
            item = q.get()
            if item is None:
                break
            out.append(item)
        with cond:
            state["ready"] = True
            cond.notify_all()
        done.set()

    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    with cond:
        cond.wait_for(lambda: state["ready"])
    done.wait()
    for t in threads:
        t.join()
    return out


def sleepers():
    started = time.monotonic()
    threads = [threading.Thread(target=time.sleep, args=(10,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def spin():
    flag = {"set": False}

    def setter():
        flag["set"] = True

    t = threading.Thread(target=setter)
    t.start()
    while not flag["set"]:
        pass
    t.join()
    return True


def timed_acquire():
    lock = threading.Lock()
    lock.acquire()
    result = []
    t = threading.Thread(target=lambda: result.append(lock.acquire(timeout=1.5)))
    t.start()
    t.join()
    return result[0], time.monotonic()


def crash():
    def boom():
        raise KeyError("missing")

    t = threading.Thread(target=boom, name="bomber")
    t.start()
    t.join()


def ordered_inversion():
    a = threading.Lock()
    b = threading.Lock()

    def ab():
        with a, b:
            pass

    def ba():
        with b, a:
            pass

    first = threading.Thread(target=ab)
    first.start()
    first.join()
    second = threading.Thread(target=ba)
    second.start()
    second.join()


def pool_and_timer():
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()
    total = [0]

    def add():
        with lock:
            total[0] += 1

    with ThreadPoolExecutor(max_workers=3) as pool:
        for future in [pool.submit(add) for _ in range(6)]:
            future.result()
    fired = threading.Event()
    timer = threading.Timer(5, fired.set)
    timer.start()
    return total[0], fired.wait(10), time.monotonic()


def daemon_heartbeat():
    beats = []

    def beat():
        while True:
            time.sleep(1)
            beats.append(1)

    threading.Thread(target=beat, daemon=True).start()
    time.sleep(3.5)
    return len(beats)


def api_battery():
    """Standard-library semantics the drop-ins must keep; returns a list of observations."""
    seen = []
    lock = threading.Lock()
    seen.append(lock.acquire(False))
    seen.append(lock.acquire(False))
    seen.append(lock.acquire(timeout=0.02))
    lock.release()
    rlock = threading.RLock()
    with rlock, rlock:
        seen.append("reentrant")
    cond = threading.Condition(threading.Lock())
    with cond:
        seen.append(cond.wait(0.02))
        seen.append(cond.wait_for(lambda: False, timeout=0.02))
    sem = threading.Semaphore(1)
    seen.append(sem.acquire())
    seen.append(sem.acquire(timeout=0.02))
    sem.release()
    bounded = threading.BoundedSemaphore(1)
    try:
        bounded.release()
    except ValueError:
        seen.append("bounded")
    event = threading.Event()
    seen.append(event.wait(0.02))
    q = queue.Queue(maxsize=1)
    q.put(1)
    try:
        q.put(2, timeout=0.02)
    except queue.Full:
        seen.append("full")
    q.get()
    q.task_done()
    q.join()
    try:
        q.get(timeout=0.02)
    except queue.Empty:
        seen.append("empty")
    lifo, prio, simple = queue.LifoQueue(), queue.PriorityQueue(), queue.SimpleQueue()
    for i in (2, 1, 3):
        lifo.put(i)
        prio.put(i)
        simple.put(i)
    seen.append([lifo.get(), prio.get(), simple.get()])
    barrier = threading.Barrier(2, timeout=0.02)
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        seen.append(("broken", barrier.broken))
    try:
        with lock:
            lock.release()
            lock.release()
    except RuntimeError:
        seen.append("release-unlocked")
    return seen


API_EXPECTED = [True, False, False, "reentrant", False, False, True, False, "bounded", False, "full", "empty",
                [3, 1, 2], ("broken", True), "release-unlocked"]


def uncontrolled_block():
    """Two threads contend for a lock the scheduler cannot see (made with _thread)."""
    import _thread

    hidden = _thread.allocate_lock()
    shared = {"n": 0}

    def hold():
        with hidden:
            shared["n"] += 1
            shared["n"] += 1

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def timed_get():
    """A get() with a timeout on an empty queue: it must time out after its timeout, once."""
    jobs = queue.Queue()
    began = time.monotonic()
    try:
        jobs.get(timeout=0.02)
    except queue.Empty:
        return time.monotonic() - began
    return None
