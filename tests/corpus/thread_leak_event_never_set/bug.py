"""Corpus (bug): thread leak event never set."""
import threading


class ConfigWatcher:
    """Reloads the configuration whenever `changed` is set."""

    def __init__(self):
        self.changed = threading.Event()
        self.reloads = 0
        self.closed = False
        self.thread = threading.Thread(target=self._watch, name="config-watcher")
        self.thread.start()

    def _watch(self):
        while not self.closed:
            self.changed.wait()
            self.changed.clear()
            self.reloads += 1

    def close(self):
        self.closed = True  # the watcher is still blocked in wait(): it never sees this
