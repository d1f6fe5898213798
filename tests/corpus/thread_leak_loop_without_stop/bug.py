"""Corpus (bug): thread leak loop without stop."""

import threading
import time


class Heartbeat:
    """Counts beats on a background thread."""

    def __init__(self):
        self.beats = 0
        self.thread = threading.Thread(target=self._beat, name="heartbeat")

    def _beat(self):
        while True:
            self.beats += 1
            time.sleep(0.005)

    def start(self):
        self.thread.start()

    def stop(self):
        pass  # nothing tells the loop to end
