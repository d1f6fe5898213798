import threading
import time


class PriceCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.prices = {}

    def fetch(self, symbol):
        time.sleep(0.2)  # a slow network call
        return len(symbol) * 10

    def refresh(self, symbol):
        price = self.fetch(symbol)
        with self.lock:
            self.prices[symbol] = price

    def get(self, symbol):
        with self.lock:
            return self.prices.get(symbol)
