import threading


class Service:
    def __init__(self):
        self.lock = threading.Lock()
        self.state = "idle"
        self.worker = None

    def _work(self):
        with self.lock:
            self.state = "working"

    def start(self):
        self.worker = threading.Thread(target=self._work, name="worker")
        self.worker.start()

    def stop(self):
        self.worker.join()
        with self.lock:
            self.state = "stopped"
