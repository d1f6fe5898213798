"""Corpus (fixed): thread leak timer."""

import threading


class Session:
    """Expires itself after a minute unless closed."""

    def __init__(self):
        self.open = True
        self.timer = threading.Timer(60.0, self.expire)
        self.timer.start()

    def expire(self):
        self.open = False

    def close(self):
        self.open = False
        self.timer.cancel()
        self.timer.join()
