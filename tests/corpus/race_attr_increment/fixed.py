import threading


class Counter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self, times):
        for _ in range(times):
            with self._lock:
                self.value += 1
