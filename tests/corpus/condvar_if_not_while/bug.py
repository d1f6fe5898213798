import threading


class Mailbox:
    def __init__(self):
        self.cond = threading.Condition()
        self.items = []

    def put(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify()

    def take(self):
        with self.cond:
            if not self.items:
                self.cond.wait()
            return self.items.pop(0)
