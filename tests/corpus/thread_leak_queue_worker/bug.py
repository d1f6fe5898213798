"""Corpus (bug): thread leak queue worker."""

import queue
import threading


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
            self.results.append(item * item)
            self.inbox.task_done()

    def run(self, numbers):
        for n in numbers:
            self.inbox.put(n)
        self.inbox.join()
        return self.results
