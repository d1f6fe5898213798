"""Corpus (fixed): thread leak queue worker."""

import queue
import threading

_STOP = object()


class Pipeline:
    """Squares numbers on a background worker."""

    def __init__(self):
        self.inbox = queue.Queue()
        self.results = []
        self.worker = threading.Thread(target=self._work, name="squarer")
        self.worker.start()

    def _work(self):
        while True:
            item = self.inbox.get()
            if item is _STOP:
                return
            self.results.append(item * item)

    def run(self, numbers):
        for n in numbers:
            self.inbox.put(n)
        self.inbox.put(_STOP)
        self.worker.join()
        return self.results
