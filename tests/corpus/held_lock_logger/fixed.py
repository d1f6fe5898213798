import threading
import time


class AuditLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.lines = []

    def write(self, line):
        with self.lock:
            self.lines.append(line)
        time.sleep(0.05)  # flush to a slow disk (outside the lock)


def worker(log, name):
    for i in range(2):
        log.write(f"{name} {i}")
