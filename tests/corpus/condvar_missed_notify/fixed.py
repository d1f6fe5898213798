import threading


class Gate:
    def __init__(self):
        self.cond = threading.Condition()
        self.open = False

    def wait_open(self):
        with self.cond:
            while not self.open:
                self.cond.wait()

    def open_gate(self):
        with self.cond:
            self.open = True
            self.cond.notify_all()
