import threading


class Inventory:
    def __init__(self, stock):
        self._stock = stock
        self._lock = threading.Lock()

    def read(self):
        return self._stock

    def write(self, value):
        self._stock = value

    def restock(self, amount):
        with self._lock:
            current = self.read()
            self.write(current + amount)
