import threading


class Bank:
    def __init__(self):
        self.accounts = {"a": 50, "b": 50}
        self.lock = threading.Lock()

    def transfer(self, src, dst, amount):
        with self.lock:
            self.accounts[src] -= amount
        with self.lock:
            self.accounts[dst] += amount

    def total(self):
        with self.lock:
            return sum(self.accounts.values())
