"""Corpus (fixed): thread leak loop without stop."""

import threading


class Heartbeat:
    """Counts beats on a background thread."""

    def __init__(self):
        self.beats = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="heartbeat")

    def _beat(self):
        while not self.stopping.wait(0.005):
            self.beats += 1

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()
