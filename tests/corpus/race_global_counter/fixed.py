import threading

hits = 0
_lock = threading.Lock()


def record_hits(n):
    global hits
    for _ in range(n):
        with _lock:
            hits = hits + 1


def reset():
    global hits
    hits = 0
