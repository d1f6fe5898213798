"""Corpus (fixed): thread leak event never set."""
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
        while True:
            self.changed.wait()
            self.changed.clear()
            if self.closed:
                return
            self.reloads += 1

    def close(self):
        self.closed = True
        self.changed.set()  # wake the watcher so it can see `closed`
        self.thread.join()
